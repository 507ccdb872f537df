-- A team's service as one wave has it (kept from the wave's import).
--
-- $wave_id  the wave
-- $team     the team
select service,
from wave_teams
where wave_id = $wave_id and team = $team
