-- Add teams seen in an upload to the hierarchy; a known service is kept
-- unless the upload names one.
-- The caller has registered incoming_teams (team, service).
insert into teams (name, service)
select team, max(service) as service
from incoming_teams
where team is not null
group by team
on conflict (name) do update set
    service = coalesce(excluded.service, teams.service)
