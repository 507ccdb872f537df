-- Keep the construct row of one of HR's measures, which every figure reads, in step with
-- its latest version (inside the caller's transaction).
--
-- $instrument, $construct        which measure
-- $name, $description            in HR's words
-- $kind, $scale_min, $scale_max  its kind and range ('scale' 1-5, 'yes_no' 0-1)
insert into constructs (instrument, code, name, description, kind, scale_min, scale_max)
values ($instrument, $construct, $name, $description, $kind, $scale_min, $scale_max)
on conflict (instrument, code) do update set name = excluded.name,
    description = excluded.description
