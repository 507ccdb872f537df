-- The headline shares of one filter, counted in SQL as queries/overview.py did
-- before it summed a wave's groups (queries/headline_measure_counts.sql): the
-- reference tests/test_overview.py holds the sums to.
--
-- $wave_id       the wave
-- $service       one service, or null for all
-- $team          one team, or null for all
-- $role          one role, or null for all
-- $career_stage  one career stage, or null for all
-- $high_cutoff   a score at or above this counts as "high"
-- parent_respondents counts the wave's respondents without any filter, so
-- the gate can stop a filter singling out its complement.
with scoped as (
    select
        r.id,
        s.construct,
        s.score,
        ($service is null or r.service = $service)
        and ($team is null or r.team = $team)
        and ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
    from active_responses as r
    join reported_scores as s on s.response_id = r.id and s.instrument = 'default'
    where r.wave_id = $wave_id
        and s.construct in ('stress', 'support', 'challenge', 'change_fatigue', 'intention_to_leave')
),

per_response as (
    select
        id,
        any_value(in_filter) as in_filter,
        max(score) filter (where construct = 'stress') as stress,
        max(score) filter (where construct = 'support') as support,
        max(score) filter (where construct = 'challenge') as challenge,
        max(score) filter (where construct = 'change_fatigue') as change_fatigue,
        max(score) filter (where construct = 'intention_to_leave') as intention_to_leave,
    from scoped
    group by id
),

own as (
    select
        'own:' || s.construct as measure,
        ($service is null or r.service = $service)
        and ($team is null or r.team = $team)
        and ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
        s.score >= m.high_cutoff as is_high,
    from active_responses as r
    join reported_scores as s on s.response_id = r.id and s.instrument = 'default'
    join measure_current as m on m.instrument = s.instrument and m.construct = s.construct
    where r.wave_id = $wave_id
),

measured as (
    select 'high_stress' as measure, in_filter, stress >= $high_cutoff as is_high,
    from per_response where stress is not null
    union all
    select 'high_support_high_challenge' as measure, in_filter,
        support >= $high_cutoff and challenge >= $high_cutoff as is_high,
    from per_response where support is not null and challenge is not null
    union all
    select 'high_change_fatigue' as measure, in_filter, change_fatigue >= $high_cutoff as is_high,
    from per_response where change_fatigue is not null
    union all
    select 'high_intention_to_leave' as measure, in_filter,
        intention_to_leave >= $high_cutoff as is_high,
    from per_response where intention_to_leave is not null
    union all
    select measure, in_filter, is_high,
    from own
)

select
    measure,
    count(*) filter (where in_filter) as respondents,
    avg(case when is_high then 1.0 else 0.0 end) filter (where in_filter) as share,
    count(*) as parent_respondents,
from measured
group by measure
order by measure
