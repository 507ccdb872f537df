-- How many respondents a wave has now: what a decision of it will cost.
--
-- $wave_id  the wave
select count(*),
from active_responses
where wave_id = $wave_id
