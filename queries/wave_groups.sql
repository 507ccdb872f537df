-- The finest groups of one wave's respondents, for the confidentiality engine
-- (never shown): respondents of the same upload with the same attributes and
-- the same sets of figures they count in, and per set what tells whether a
-- group's members all answered alike. One row per group and set, in no particular
-- order; ``finest_group`` numbers the groups 1, 2, ... in the order of their
-- attributes and pattern (the sets they count in, numbered in the order of their
-- names); ``first_set`` marks each group's one row that carries its attributes.
--
-- Sets ("universes"):
--   respondents:<instrument>       answered the instrument (the profile and response rates)
--   construct:<instrument>:<code>  scored on a measure (reported_scores: where support and
--                                  challenge were both asked, scored on both)
--   support_challenge              scored on both support and challenge (the quadrants)
--   item:<code>                    answered an item whose agreement is shown
--
-- $wave_id      the wave
-- $uploads      its survey uploads to include: the active ones and those of any
--               version readers were shown (a list of ids)
-- $high_cutoff  a score at or above this is "high"
-- $items        the items whose agreement is shown (a list of codes) ...
-- $agree_from   ... and, in the same order, the answer from which each counts as agreeing
-- $set_bits     sets per number a person's sets are counted in (at most 128, the bits of
--               an unsigned 128-bit integer; a person with more sets has more numbers)
-- $breakdowns   false: the groups of the units alone (service, team, upload and pattern),
--               every other attribute null; a fifth as many groups at 100,000
--               respondents, for the decision of the units' cells alone
with people as (
    select
        r.id,
        r.upload_id,
        coalesce(w.service, r.service) as service,
        r.team,
        if($breakdowns, coalesce(r.role, 'Not stated'), null) as role,
        if($breakdowns, coalesce(r.career_stage, 'Not stated'), null) as career_stage,
        if($breakdowns, coalesce(r.ethnicity, 'Not stated'), null) as ethnicity,
        if($breakdowns, coalesce(r.gender, 'Not stated'), null) as gender,
        if($breakdowns, coalesce(r.disability, 'Not stated'), null) as disability,
        if($breakdowns, coalesce(r.age_band, 'Not stated'), null) as age_band,
    from responses as r
    left join wave_teams as w on w.wave_id = r.wave_id and w.team = r.team
    where r.wave_id = $wave_id and list_contains($uploads, r.upload_id)
),

scores as (
    select s.response_id as id, s.instrument, s.construct, s.score,
    from reported_scores as s
    semi join people on people.id = s.response_id
),

both_scored as (
    select
        id,
        -- High support and high challenge: the quadrant the standards ask for.
        min(score) >= $high_cutoff as high,
    from scores
    where instrument = 'default' and construct in ('support', 'challenge')
    group by id
    having count(distinct construct) = 2
),

agreement as (
    select
        a.response_id as id,
        i.code,
        a.value,
        a.value >= $agree_from[list_position($items, i.code)] as agrees,
    from answers as a
    join items as i on i.id = a.item_id and i.instrument = 'default'
    semi join people on people.id = a.response_id
    where a.value is not null and list_contains($items, i.code)
),

memberships as (
    -- As the profile and response rates count them: any score on the instrument.
    select distinct s.response_id as id, 'respondents:' || s.instrument as universe,
        null::double as score, null::boolean as high,
    from construct_scores as s
    semi join people on people.id = s.response_id
    union all
    select id, 'construct:' || instrument || ':' || construct as universe, score,
        score >= $high_cutoff as high,
    from scores
    union all
    select id, 'support_challenge' as universe, null::double as score, high,
    from both_scored
    union all
    select id, 'item:' || code as universe, value as score, agrees as high,
    from agreement
),

set_numbers as (
    -- Each set numbered in the order of its name: the aggregates below group by these.
    select universe, row_number() over (order by universe) - 1 as number,
    from (select distinct universe from memberships)
),

set_words as (
    -- Which sets each person counts in, as the bits of one number per $set_bits sets: grouping
    -- 25,000 people by a number or two is far cheaper than sorting each one's 20 names.
    select m.id, n.number // $set_bits as word,
        bit_or(1::uhugeint << (n.number % $set_bits)::uhugeint) as bits,
    from memberships as m
    join set_numbers as n on n.universe = m.universe
    group by m.id, word
),

set_keys as (
    select id, string_agg(word || ':' || bits, ' ' order by word) as sets_key,
    from set_words
    group by id
),

named as (
    -- Each distinct combination of sets (some 150) named once, from one person with it.
    select k.sets_key, string_agg(m.universe, ' ' order by m.universe) as names,
        min(n.number) as first_number,
    from (select sets_key, min(id) as id, from set_keys group by sets_key) as k
    join memberships as m on m.id = k.id
    join set_numbers as n on n.universe = m.universe
    group by k.sets_key
),

patterns as (
    -- A person's pattern: their combination of sets, numbered in the order of its names.
    select k.id, dense_rank() over (order by n.names) as pattern, n.first_number,
    from set_keys as k
    join named as n on n.sets_key = k.sets_key
),

grouped as (
    -- Each finest group numbered once, over its 25,000 people rather than over every
    -- membership row (20 per person), so the aggregate below groups by integers.
    select
        p.id,
        dense_rank() over (
            order by p.service, p.team, p.role, p.career_stage, p.ethnicity, p.gender,
                p.disability, p.age_band, p.upload_id, pt.pattern
        ) as finest_group,
        p.service,
        p.team,
        p.role,
        p.career_stage,
        p.ethnicity,
        p.gender,
        p.disability,
        p.age_band,
        p.upload_id,
        pt.pattern,
        pt.first_number,
    from people as p
    join patterns as pt on pt.id = p.id
),

counted as (
    -- By the set's number, not its name: grouping half a million rows by two integers
    -- took a third less time than by an integer and a string.
    select
        g.finest_group,
        n.number,
        count(*) as respondents,
        count(*) filter (where m.high) as high,
        min(m.score) as low,
        max(m.score) as top,
        -- Its members share their sets, so each group has one first set.
        n.number = min(g.first_number) as first_set,
    from grouped as g
    join memberships as m on m.id = g.id
    join set_numbers as n on n.universe = m.universe
    group by g.finest_group, n.number
),

described as (
    select distinct
        finest_group, service, team, role, career_stage, ethnicity, gender, disability,
        age_band, upload_id, pattern,
    from grouped
)

-- A group's text only on its first set's row: the rest are null, so that its text is
-- sent once, not once per set (half a million rows at 100,000 respondents: 2 s of
-- transfer). Unsorted: sorting the rows took a third of the query; the engine's frame
-- puts each row in its place by its group's number.
select
    d.finest_group,
    c.first_set,
    if(c.first_set, d.service, null) as service,
    if(c.first_set, d.team, null) as team,
    if(c.first_set, d.role, null) as role,
    if(c.first_set, d.career_stage, null) as career_stage,
    if(c.first_set, d.ethnicity, null) as ethnicity,
    if(c.first_set, d.gender, null) as gender,
    if(c.first_set, d.disability, null) as disability,
    if(c.first_set, d.age_band, null) as age_band,
    d.upload_id,
    if(c.first_set, d.pattern, null) as pattern,
    n.universe,
    c.respondents,
    c.high,
    c.low,
    c.top,
from counted as c
join described as d on d.finest_group = c.finest_group
join set_numbers as n on n.number = c.number
