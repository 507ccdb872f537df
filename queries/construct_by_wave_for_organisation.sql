-- The organisation's figures per wave and construct: every team, with the role
-- and career-stage sub-filters applied so comparisons are like with like.
-- Raw counts: callers pass this through the confidentiality gate.
--
-- $instrument    'default' or 'hse'
-- $constructs    the construct codes wanted (a list)
-- $role          one role, or null for all
-- $career_stage  one career stage, or null for all
-- $high_cutoff   a score at or above this counts as "high", unless HR set the
--                measure's own cut-off (measure_current)
with scoped as (
    select
        r.wave_id,
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
)

select
    scoped.wave_id,
    any_value(w.label) as wave,
    any_value(w.opened_on) as wave_opened_on,
    scoped.construct,
    count(*) filter (where in_filter) as respondents,
    avg(score) filter (where in_filter) as mean_score,
    stddev_samp(score) filter (where in_filter) as sd,
    avg(case when score >= high_cutoff then 1.0 else 0.0 end) filter (where in_filter) as share_high,
    count(*) as parent_respondents,
from scoped
join waves as w on w.id = scoped.wave_id
group by scoped.wave_id, scoped.construct
order by any_value(w.opened_on), scoped.wave_id, scoped.construct
