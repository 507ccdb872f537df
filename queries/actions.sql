-- The action plans a reader may see, soonest review first.
--
-- $teams  the teams whose team actions are listed (a team manager's), or null
--         for every action; the organisation's actions are always listed, and
--         service actions only when $teams is null
select
    id,
    scope,
    unit,
    what,
    measure,
    owner,
    started_on,
    review_on,
    status,
    created_by,
    created_at,
    updated_at,
from actions
where $teams is null
    or scope = 'organisation'
    or (scope = 'team' and list_contains($teams, unit))
order by review_on, started_on, id
