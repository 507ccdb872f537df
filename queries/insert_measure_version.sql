-- Record a new version of one of HR's measures (the first creates it).
--
-- $instrument, $construct       which measure
-- $name, $description           in HR's words
-- $higher_is_better             which way is better
-- $high_cutoff                  a score at or above this is "high"
-- $single_question              a question kept as a measure of its own
-- $defined_by                   who said so
insert into measure_versions
    (instrument, construct, version, name, description, higher_is_better, high_cutoff,
    single_question, defined_by)
select
    $instrument,
    $construct,
    coalesce(max(version), 0) + 1,
    $name,
    $description,
    $higher_is_better,
    $high_cutoff,
    $single_question,
    $defined_by,
from measure_versions
where instrument = $instrument and construct = $construct
