-- Store one of the council's own questions as an item of its measure.
--
-- $first_id          the first id council questions may take
-- $instrument        the instrument ('default')
-- $construct         the measure it belongs to
-- $text              its wording, as the export had it
-- $label_set         the answer scale it was asked on ('1-4', 'agreement4'...)
-- $scale_min, $scale_max  the measure's range, which its stored answers are on
-- $reverse           reverse keyed within its measure
insert into items
select
    greatest(coalesce(max(id) + 1, $first_id), $first_id) as id,
    $instrument as instrument,
    'Q' || cast(greatest(coalesce(max(id) + 1, $first_id), $first_id) as varchar) as code,
    $construct as construct,
    $text as text,
    $label_set as label_set,
    $scale_min as scale_min,
    $scale_max as scale_max,
    $reverse as reverse,
from items
where id >= $first_id
returning id
