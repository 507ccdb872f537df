-- The organisation's share agreeing with each item for one wave: every team,
-- with the role and career-stage sub-filters applied.
-- Raw counts: callers pass this through the confidentiality gate.
--
-- $wave_id       the wave
-- $items         the default-instrument item codes wanted (a list)
-- $role          one role, or null for all
-- $career_stage  one career stage, or null for all
-- $agree_from    in the order of $items, the answer from which each counts as agreeing
with scoped as (
    select
        r.id as response_id,
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
)

select
    item,
    count(distinct response_id) filter (where in_filter) as respondents,
    avg(case when value >= $agree_from[list_position($items, item)] then 1.0 else 0.0 end) filter (where in_filter)
        as share_agree,
    count(distinct response_id) as parent_respondents,
from scoped
group by item
order by item
