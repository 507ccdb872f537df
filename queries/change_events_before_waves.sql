-- For each survey wave and team in scope, the change events in the months
-- before the wave opened: the team's own and the organisation-wide ones.
-- An event counts when it started on or after (opened_on - $months months)
-- and before opened_on.
--
-- $months   the window length in months (measures.CHANGE_WINDOW_MONTHS)
-- $service  one service, or null for all
-- $team     one team, or null for all
with active_events as (
    select e.team, e.started_on,
    from change_events as e
    left join uploads as u on u.id = e.upload_id
    where e.upload_id is null or u.status = 'active'
),

wave_teams as (
    select distinct
        w.id as wave_id,
        w.label as wave,
        w.opened_on,
        r.team,
    from waves as w
    join active_responses as r on r.wave_id = w.id
    where w.opened_on is not null
        and ($service is null or r.service = $service)
        and ($team is null or r.team = $team)
)

select
    wt.wave_id,
    wt.wave,
    wt.opened_on as wave_opened_on,
    wt.team,
    count(e.started_on) filter (where e.team = wt.team) as team_events,
    count(e.started_on) filter (where e.team is null) as organisation_events,
    count(e.started_on) as change_events,
from wave_teams as wt
left join active_events as e
    on (e.team is null or e.team = wt.team)
    and e.started_on >= wt.opened_on - to_months($months)
    and e.started_on < wt.opened_on
group by wt.wave_id, wt.wave, wt.opened_on, wt.team
order by wt.opened_on, wt.wave_id, wt.team
