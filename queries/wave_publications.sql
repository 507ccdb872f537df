-- Every version of one wave that readers other than HR were shown, oldest
-- first: its uploads (comma-separated ids), thresholds, and the cells shown.
--
-- $wave_id  the wave
select
    id,
    uploads,
    min_group_size,
    sensitive_min_group_size,
    alike_group_size,
    sensitive,
    shown::varchar as shown,
from wave_publications
where wave_id = $wave_id
order by id
