-- Distinct respondents of one wave per finest group of respondent attributes,
-- for each set of respondents a figure can cover: everyone who responded,
-- those scored on a construct, those who answered an item, those with both a
-- support and a challenge score. The confidentiality engine decides every cell
-- of the wave from these counts (wellbeing.privacy.decide); never shown.
--
-- $wave_id    the wave
-- $universes  the universes wanted (a list): 'respondents',
--             'construct:<instrument>:<code>', 'item:<code>' or
--             'support_challenge'; null for every one
with responded as (
    select
        r.id,
        coalesce(r.respondent_hash, cast(r.id as varchar)) as person,
        coalesce(t.service, r.service) as service,
        r.team,
        r.role,
        r.career_stage,
        r.ethnicity,
        r.gender,
        r.disability,
        r.age_band,
    from responses as r
    join uploads as u on u.id = r.upload_id and u.status = 'active'
    left join teams as t on t.name = r.team
    where r.wave_id = $wave_id
),

universes as (
    select id, 'respondents' as universe,
    from responded
    union all
    select s.response_id as id, 'construct:' || s.instrument || ':' || s.construct as universe,
    from construct_scores as s
    semi join responded on responded.id = s.response_id
    union all
    select distinct a.response_id as id, 'item:' || i.code as universe,
    from answers as a
    join items as i on i.id = a.item_id and i.instrument = 'default'
    semi join responded on responded.id = a.response_id
    where a.value is not null
    union all
    select s.response_id as id, 'support_challenge' as universe,
    from construct_scores as s
    semi join responded on responded.id = s.response_id
    where s.instrument = 'default' and s.construct in ('support', 'challenge')
    group by s.response_id
    having count(distinct s.construct) = 2
)

select
    u.universe,
    r.service,
    r.team,
    r.role,
    r.career_stage,
    r.ethnicity,
    r.gender,
    r.disability,
    r.age_band,
    count(distinct r.person) as respondents,
from universes as u
join responded as r on r.id = u.id
where $universes is null or list_contains($universes, u.universe)
group by all
order by all
