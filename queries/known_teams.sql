-- Every team name the store knows (from survey, staff-list and supervision imports),
-- so that a team manager is never given a team that does not exist.
select name as team
from teams
order by name
