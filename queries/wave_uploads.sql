-- The active survey uploads of one wave, in order: with the thresholds, what
-- makes a version of the wave.
--
-- $wave_id  the wave
select id,
from active_uploads
where kind = 'survey' and wave_id = $wave_id
order by id
