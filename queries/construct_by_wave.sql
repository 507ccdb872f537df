-- Respondents and score summaries per wave, team and construct: the trend
-- behind each view, and (for one wave) the team figures themselves.
-- Raw counts: callers pass this through the confidentiality gate
-- (queries.survey.construct_by_wave) and never show it directly.
--
-- $instrument    'default' or 'hse'
-- $constructs    the construct codes wanted (a list)
-- $service       one service, or null for all
-- $team          one team, or null for all
-- $role          one role, or null for all (a sub-filter: see parent_respondents)
-- $career_stage  one career stage, or null for all (a sub-filter)
-- $high_cutoff   a score at or above this counts as "high", unless HR set the
--                measure's own cut-off (measure_current)
-- parent_respondents counts the team's respondents without the sub-filters,
-- so the gate can stop a filter singling out its complement.
with scoped as (
    select
        r.wave_id,
        r.team,
        r.service as service,
        s.construct,
        s.score,
        coalesce(m.high_cutoff, $high_cutoff) as high_cutoff,
        ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
    from active_responses as r
    join reported_scores as s
    left join measure_current as m on m.instrument = s.instrument and m.construct = s.construct
        on s.response_id = r.id
        and s.instrument = $instrument
        and list_contains($constructs, s.construct)
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
