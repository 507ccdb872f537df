-- Per team and item: distinct respondents who answered the item and the share
-- who agreed (answer at or above $agree_value), for one wave.
-- Raw counts: callers pass this through the confidentiality gate
-- (queries.survey.item_agreement_by_team) and never show it directly.
--
-- $wave_id       the wave
-- $items         the default-instrument item codes wanted (a list)
-- $service       one service, or null for all
-- $team          one team, or null for all
-- $role          one role, or null for all (a sub-filter: see parent_respondents)
-- $career_stage  one career stage, or null for all (a sub-filter)
-- $agree_value   an answer at or above this counts as agreeing
with scoped as (
    select
        r.id as response_id,
        r.team,
        coalesce(t.service, r.service) as service,
        i.code as item,
        a.value,
        ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
    from responses as r
    join uploads as u on u.id = r.upload_id and u.status = 'active'
    join answers as a on a.response_id = r.id and a.value is not null
    join items as i
        on i.id = a.item_id
        and i.instrument = 'default'
        and list_contains($items, i.code)
    left join teams as t on t.name = r.team
    where r.wave_id = $wave_id
        and ($service is null or coalesce(t.service, r.service) = $service)
        and ($team is null or r.team = $team)
)

select
    team,
    any_value(service) as service,
    item,
    count(distinct response_id) filter (where in_filter) as respondents,
    avg(case when value >= $agree_value then 1.0 else 0.0 end) filter (where in_filter)
        as share_agree,
    count(distinct response_id) as parent_respondents,
from scoped
group by team, item
order by team, item
