-- HR's own measures as now defined (the latest version of each), oldest first.
--
-- $instrument  the instrument they belong to ('default')
select
    m.construct as code,
    m.name,
    m.description,
    m.higher_is_better,
    m.high_cutoff,
    m.single_question,
    m.version,
    c.kind,
    c.scale_min,
    c.scale_max,
    m.defined_by,
    m.defined_at,
from measure_current as m
join constructs as c on c.instrument = m.instrument and c.code = m.construct
where m.instrument = $instrument
order by (select min(first.defined_at) from measure_versions as first
    where first.instrument = m.instrument and first.construct = m.construct), m.construct
