-- Per team and item: distinct respondents who answered the item and the share
-- who agreed (answer at or above its $agree_from), for one wave.
-- Raw counts: callers pass this through the confidentiality gate
-- (queries.survey.item_agreement_by_team) and never show it directly.
--
-- $wave_id       the wave
-- $items         the default-instrument item codes wanted (a list)
-- $service       one service, or null for all
-- $team          one team, or null for all
-- $role          one role, or null for all (a sub-filter: see parent_respondents)
-- $career_stage  one career stage, or null for all (a sub-filter)
-- $agree_from    in the order of $items, the answer from which each counts as agreeing
with scoped as (
    select
        r.id as response_id,
        r.team,
        r.service as service,
        i.code as item,
        a.value,
        ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
    from active_responses as r
    join answers as a on a.response_id = r.id and a.value is not null
    join items as i
        on i.id = a.item_id
        and i.instrument = 'default'
        and list_contains($items, i.code)
    where r.wave_id = $wave_id
        and ($service is null or r.service = $service)
        and ($team is null or r.team = $team)
)

select
    team,
    any_value(service) as service,
    item,
    count(distinct response_id) filter (where in_filter) as respondents,
    avg(case when value >= $agree_from[list_position($items, item)] then 1.0 else 0.0 end) filter (where in_filter)
        as share_agree,
    count(distinct response_id) as parent_respondents,
from scoped
group by team, item
order by team, item
