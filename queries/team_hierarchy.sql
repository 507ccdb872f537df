-- Every known team with its service and directorate, for filters and roll-ups.
select
    name as team,
    service,
    directorate,
from teams
order by service nulls last, name
