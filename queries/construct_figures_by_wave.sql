-- Respondents and score summaries per wave and construct: per team, for one
-- service, or for the whole organisation (every team, with the role and
-- career-stage sub-filters applied so comparisons are like with like). The trend behind each view, and
-- (for one wave) the team figures themselves.
-- Raw counts: callers pass this through the confidentiality gate
-- (queries.survey.construct_by_wave, construct_by_wave_for_service,
-- construct_by_wave_for_organisation) and never show it directly.
--
-- $scope         'team': a row per wave, team and construct; 'service': team is
--                null, one row per wave and construct of $service; 'organisation':
--                team and service are null, one row per wave and construct
-- $instrument    'default' or 'hse'
-- $constructs    the construct codes wanted (a list)
-- $service       one service, or null for all (null for the organisation; the
--                service for 'service')
-- $team          one team, or null for all (null for the organisation)
-- $role          one role, or null for all (a sub-filter: see parent_respondents)
-- $career_stage  one career stage, or null for all (a sub-filter)
-- $high_cutoff   a score at or above this counts as "high", unless HR set the
--                measure's own cut-off (measure_current)
-- parent_respondents counts the unit's respondents without the sub-filters,
-- so the gate can stop a filter singling out its complement.
with scoped as (
    select
        r.wave_id,
        case when $scope = 'team' then r.team end as team,
        case when $scope in ('team', 'service') then r.service end as service,
        s.construct,
        s.score,
        coalesce(m.high_cutoff, $high_cutoff) as high_cutoff,
        ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
    from active_responses as r
    join reported_scores as s
        on s.response_id = r.id
        and s.instrument = $instrument
        and list_contains($constructs, s.construct)
    left join measure_current as m on m.instrument = s.instrument and m.construct = s.construct
    where ($service is null or r.service = $service)
        and ($team is null or r.team = $team)
)

select
    scoped.wave_id,
    any_value(w.label) as wave,
    any_value(w.opened_on) as wave_opened_on,
    scoped.team,
    any_value(scoped.service) as service,
    scoped.construct,
    count(*) filter (where in_filter) as respondents,
    avg(score) filter (where in_filter) as mean_score,
    stddev_samp(score) filter (where in_filter) as sd,
    avg(case when score >= high_cutoff then 1.0 else 0.0 end) filter (where in_filter) as share_high,
    count(*) as parent_respondents,
from scoped
join waves as w on w.id = scoped.wave_id
group by scoped.wave_id, scoped.team, scoped.construct
order by any_value(w.opened_on), scoped.wave_id, scoped.team, scoped.construct
