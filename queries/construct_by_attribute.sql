-- Respondents and score summaries per construct by one respondent attribute,
-- or two crossed, for one wave (the equity view). A respondent who left the
-- attribute blank is counted in the group named $not_stated, so the groups
-- always add up to the whole and the gate can protect every one of them.
-- Raw counts: callers pass this through the confidentiality gate
-- (queries.equity.construct_by_attribute) and never show it directly.
--
-- $wave_id           the wave
-- $instrument        'default' or 'hse'
-- $first_attribute   ethnicity, gender, disability, age_band, career_stage or role
-- $second_attribute  another of those to cross with the first, or null
-- $not_stated        the group name for a blank attribute
-- $service           one service, or null for all
-- $team              one team, or null for all
-- $role              one role, or null for all
-- $career_stage      one career stage, or null for all
-- $high_cutoff       a score at or above this counts as "high", unless HR set
--                    the measure's own cut-off (measure_current)
-- parent_respondents counts the group without the filters, so the gate can
-- stop a filter singling out its complement.
with scoped as (
    select
        r.id,
        s.construct,
        s.score,
        coalesce(m.high_cutoff, $high_cutoff) as high_cutoff,
        coalesce(
            case $first_attribute
                when 'ethnicity' then r.ethnicity
                when 'gender' then r.gender
                when 'disability' then r.disability
                when 'age_band' then r.age_band
                when 'career_stage' then r.career_stage
                when 'role' then r.role
            end,
            $not_stated
        ) as first_group,
        case
            when $second_attribute is not null then coalesce(
                case $second_attribute
                    when 'ethnicity' then r.ethnicity
                    when 'gender' then r.gender
                    when 'disability' then r.disability
                    when 'age_band' then r.age_band
                    when 'career_stage' then r.career_stage
                    when 'role' then r.role
                end,
                $not_stated
            )
        end as second_group,
        ($service is null or r.service = $service)
        and ($team is null or r.team = $team)
        and ($role is null or r.role = $role)
        and ($career_stage is null or r.career_stage = $career_stage) as in_filter,
    from active_responses as r
    join reported_scores as s on s.response_id = r.id and s.instrument = $instrument
    left join measure_current as m on m.instrument = s.instrument and m.construct = s.construct
    where r.wave_id = $wave_id
)

select
    construct,
    first_group,
    second_group,
    count(*) filter (where in_filter) as respondents,
    avg(score) filter (where in_filter) as mean_score,
    stddev_samp(score) filter (where in_filter) as sd,
    avg(case when score >= high_cutoff then 1.0 else 0.0 end) filter (where in_filter) as share_high,
    count(*) as parent_respondents,
from scoped
group by construct, first_group, second_group
order by construct, first_group, second_group
