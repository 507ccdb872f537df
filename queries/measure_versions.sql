-- Every version of one of HR's measures, newest first: what changed and who changed it.
--
-- $instrument  the instrument ('default')
-- $construct   the measure's code
select
    version,
    name,
    description,
    higher_is_better,
    high_cutoff,
    defined_by,
    defined_at,
from measure_versions
where instrument = $instrument and construct = $construct
order by version desc
