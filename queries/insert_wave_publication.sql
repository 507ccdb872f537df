-- Record a version of a wave as readers other than HR were shown it, unless the
-- very same was recorded before.
--
-- $wave_id                   the wave
-- $uploads                   its active survey uploads (comma-separated ids)
-- $min_group_size            the thresholds in force
-- $sensitive_min_group_size
-- $alike_group_size
-- $sensitive                 whether the sensitive breakdowns were shown too
-- $shown                     per set, the keys of the cells shown (JSON)
insert into wave_publications (
    wave_id, uploads, min_group_size, sensitive_min_group_size, alike_group_size, sensitive, shown
)
select
    $wave_id, $uploads, $min_group_size, $sensitive_min_group_size, $alike_group_size,
    $sensitive, $shown::json,
where not exists (
    select 1
    from wave_publications
    where wave_id = $wave_id
        and uploads = $uploads
        and min_group_size = $min_group_size
        and sensitive_min_group_size = $sensitive_min_group_size
        and alike_group_size = $alike_group_size
        and sensitive = $sensitive
        and shown::varchar = $shown::json::varchar
)
