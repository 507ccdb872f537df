-- Respondents and score summaries per construct for one wave: per team, and for
-- all the teams together (the organisation, with the role and career-stage
-- sub-filters applied so comparisons are like with like), from one pass over the
-- wave's scores (grouping sets). Rows with organisation false: a row per team and
-- construct; organisation true: team and service null, one row per construct.
-- Raw counts: callers pass this through the confidentiality gate
-- (queries.survey.construct_by_team, construct_for_organisation) and never show
-- it directly.
--
-- $wave_id       the wave
-- $instrument    'default' or 'hse'
-- $service       one service, or null for all
-- $team          one team, or null for all
-- $role          one role, or null for all (a sub-filter: see parent_respondents)
-- $career_stage  one career stage, or null for all (a sub-filter)
-- $high_cutoff   a score at or above this counts as "high", unless HR set the
--                measure's own cut-off (measure_current)
-- parent_respondents counts the unit's respondents without the sub-filters,
-- so the gate can stop a filter singling out its complement.
with scoped as (
    select
        r.id,
        r.team,
        r.service,
        s.construct,
        s.score,
        coalesce(m.high_cutoff, $high_cutoff) as high_cutoff,
        ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
    from active_responses as r
    join reported_scores as s on s.response_id = r.id and s.instrument = $instrument
    left join measure_current as m on m.instrument = s.instrument and m.construct = s.construct
    where r.wave_id = $wave_id
        and ($service is null or r.service = $service)
        and ($team is null or r.team = $team)
)

select
    grouping(team) = 1 as organisation,
    team,
    case when grouping(team) = 0 then any_value(service) end as service,
    construct,
    count(*) filter (where in_filter) as respondents,
    avg(score) filter (where in_filter) as mean_score,
    stddev_samp(score) filter (where in_filter) as sd,
    avg(case when score >= high_cutoff then 1.0 else 0.0 end) filter (where in_filter) as share_high,
    count(*) as parent_respondents,
from scoped
group by grouping sets ((team, construct), (construct))
order by organisation, team, construct
