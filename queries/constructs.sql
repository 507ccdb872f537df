-- The constructs of one instrument, in a stable display order: the built-in ones,
-- then HR's own measures (issue 16) with what HR said about them.
--
-- $instrument  'default' or 'hse'
-- higher_is_better and high_cutoff are null for a built-in construct (its rule is in
-- wellbeing/core/measures.py); own is true for a measure HR made.
select
    c.code,
    c.name,
    c.description,
    c.kind,
    c.scale_min,
    c.scale_max,
    m.higher_is_better,
    m.high_cutoff,
    m.construct is not null as own,
from constructs as c
left join measure_current as m on m.instrument = c.instrument and m.construct = c.code
where c.instrument = $instrument
order by c.rowid
