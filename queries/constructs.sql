-- The constructs of one instrument, in a stable display order.
--
-- $instrument  'default' or 'hse'
select
    code,
    name,
    description,
    kind,
    scale_min,
    scale_max,
from constructs
where instrument = $instrument
order by rowid
