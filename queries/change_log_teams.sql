-- Every known team name, for choosing the team a change applies to.
select name as team,
from teams
order by name
