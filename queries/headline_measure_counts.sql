-- A wave's headline measures counted by service, team, role and career stage:
-- for each group, the respondents each measure covers and how many of them are
-- at or above the "high" cut-off (high stress, high support with high challenge,
-- high change fatigue, high intention to leave; for each of HR's own measures,
-- 'own:<code>', at or above its own cut-off). Any filter's headline shares are
-- sums of these groups (queries.overview.headline_measures), so one pass over a
-- wave serves every service, team, role and career stage a leader picks.
-- Raw counts: callers pass them through the confidentiality gate and never
-- show them directly.
--
-- $wave_id       the wave
-- $high_cutoff   a score at or above this counts as "high"
-- The wave's scores are read once (materialized): the five measures and HR's own both come
-- from them, and reported_scores is the costly part of reading them.
with wave_scores as materialized (
    select
        r.id,
        r.service,
        r.team,
        r.role,
        r.career_stage,
        s.construct,
        s.score,
    from active_responses as r
    join reported_scores as s on s.response_id = r.id and s.instrument = 'default'
    where r.wave_id = $wave_id
),

per_response as (
    select
        id,
        any_value(service) as service,
        any_value(team) as team,
        any_value(role) as role,
        any_value(career_stage) as career_stage,
        max(score) filter (where construct = 'stress') as stress,
        max(score) filter (where construct = 'support') as support,
        max(score) filter (where construct = 'challenge') as challenge,
        max(score) filter (where construct = 'change_fatigue') as change_fatigue,
        max(score) filter (where construct = 'intention_to_leave') as intention_to_leave,
    from wave_scores
    where construct in ('stress', 'support', 'challenge', 'change_fatigue', 'intention_to_leave')
    group by id
),

own as (
    select
        'own:' || s.construct as measure,
        s.service,
        s.team,
        s.role,
        s.career_stage,
        s.score >= m.high_cutoff as is_high,
    from wave_scores as s
    join measure_current as m on m.instrument = 'default' and m.construct = s.construct
),

measured as (
    select 'high_stress' as measure, service, team, role, career_stage,
        stress >= $high_cutoff as is_high,
    from per_response where stress is not null
    union all
    select 'high_support_high_challenge' as measure, service, team, role, career_stage,
        support >= $high_cutoff and challenge >= $high_cutoff as is_high,
    from per_response where support is not null and challenge is not null
    union all
    select 'high_change_fatigue' as measure, service, team, role, career_stage,
        change_fatigue >= $high_cutoff as is_high,
    from per_response where change_fatigue is not null
    union all
    select 'high_intention_to_leave' as measure, service, team, role, career_stage,
        intention_to_leave >= $high_cutoff as is_high,
    from per_response where intention_to_leave is not null
    union all
    select measure, service, team, role, career_stage, is_high,
    from own
)

select
    measure,
    service,
    team,
    role,
    career_stage,
    count(*) as respondents,
    count(*) filter (where is_high) as high,
from measured
group by measure, service, team, role, career_stage
order by measure, service, team, role, career_stage
