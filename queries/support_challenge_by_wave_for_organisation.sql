-- The organisation's support/challenge figures per wave (every team, role and
-- career-stage sub-filters applied), over respondents with both scores.
-- Raw counts: callers pass this through the confidentiality gate.
--
-- $role          one role, or null for all
-- $career_stage  one career stage, or null for all
-- $high_cutoff   a score at or above this counts as "high" support or challenge
with scored as (
    select
        r.id,
        r.wave_id,
        ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
        max(s.score) filter (where s.construct = 'support') as support,
        max(s.score) filter (where s.construct = 'challenge') as challenge,
    from active_responses as r
    join reported_scores as s
        on s.response_id = r.id
        and s.instrument = 'default'
        and s.construct in ('support', 'challenge')
    group by r.id, r.wave_id, in_filter
),

classified as (
    select
        *,
        support >= $high_cutoff as high_support,
        challenge >= $high_cutoff as high_challenge,
    from scored
    where support is not null and challenge is not null
)

select
    classified.wave_id,
    any_value(w.label) as wave,
    any_value(w.opened_on) as wave_opened_on,
    count(*) filter (where in_filter) as respondents,
    avg(support) filter (where in_filter) as mean_support,
    stddev_samp(support) filter (where in_filter) as sd_support,
    avg(challenge) filter (where in_filter) as mean_challenge,
    stddev_samp(challenge) filter (where in_filter) as sd_challenge,
    avg((high_support and high_challenge)::int) filter (where in_filter)
        as share_high_support_high_challenge,
    avg((high_support and not high_challenge)::int) filter (where in_filter)
        as share_high_support_low_challenge,
    avg((not high_support and high_challenge)::int) filter (where in_filter)
        as share_low_support_high_challenge,
    avg((not high_support and not high_challenge)::int) filter (where in_filter)
        as share_low_support_low_challenge,
    count(*) as parent_respondents,
from classified
join waves as w on w.id = classified.wave_id
group by classified.wave_id
order by any_value(w.opened_on), classified.wave_id
