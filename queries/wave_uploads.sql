-- The active survey uploads of one wave, in order: with the thresholds, what
-- makes a version of the wave.
--
-- $wave_id  the wave
select id,
from uploads
where kind = 'survey' and status = 'active' and wave_id = $wave_id
order by id
