-- The change log for the change-fatigue timeline: organisation-wide events
-- (team is null) and the events of the teams in scope. Events from a
-- withdrawn upload are left out; events entered by hand have no upload.
--
-- $service  one service, or null for all (organisation-wide events always show)
-- $team     one team, or null for all (organisation-wide events always show)
select
    e.started_on,
    e.title,
    e.kind,
    e.team,
    e.team is null as organisation_wide,
from active_change_events as e
left join teams as t on t.name = e.team
where e.team is null
    or (
        ($service is null or t.service = $service)
        and ($team is null or e.team = $team)
    )
order by e.started_on, e.id
