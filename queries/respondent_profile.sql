-- Who responded in one wave: respondents by each attribute's values
-- (ethnicity, gender, disability, age band, career stage, role). A blank
-- attribute is counted as $not_stated so each attribute's groups add up to
-- every respondent. Raw counts: callers pass this through the
-- confidentiality gate (queries.equity.respondent_profile).
--
-- $wave_id       the wave
-- $instrument    count respondents who answered this instrument ('default' or
--                'hse'), so a second questionnaire in the same wave is not
--                counted as the same people twice
-- $not_stated    the group name for a blank attribute
-- $service       one service, or null for all
-- $team          one team, or null for all
-- $role          one role, or null for all
-- $career_stage  one career stage, or null for all
-- parent_respondents counts the group without the filters (differencing rule).
with scoped as (
    select
        r.*,
        ($service is null or r.service = $service)
        and ($team is null or r.team = $team)
        and ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
    from active_responses as r
    where r.wave_id = $wave_id
        and exists (
            select 1
            from construct_scores as s
            where s.response_id = r.id and s.instrument = $instrument
        )
),

long as (
    unpivot (
        select
            id,
            in_filter,
            coalesce(ethnicity, $not_stated) as ethnicity,
            coalesce(gender, $not_stated) as gender,
            coalesce(disability, $not_stated) as disability,
            coalesce(age_band, $not_stated) as age_band,
            coalesce(career_stage, $not_stated) as career_stage,
            coalesce(role, $not_stated) as role,
        from scoped
    )
    on ethnicity, gender, disability, age_band, career_stage, role
    into name attribute value group_name
)

select
    attribute,
    group_name,
    count(*) filter (where in_filter) as respondents,
    count(*) as parent_respondents,
from long
group by attribute, group_name
order by attribute, group_name
