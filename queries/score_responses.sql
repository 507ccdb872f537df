-- Score every response of one upload on each construct, into construct_scores.
--
-- A respondent's construct score is the mean of their answered items after
-- reverse keying (value -> scale_min + scale_max - value), and only counts
-- when they answered at least half of the construct's items that this upload
-- asked (upload_items).
--
-- $upload_id  the survey upload whose responses to score
insert into construct_scores (response_id, instrument, construct, score, items_answered)
with asked as (
    select
        i.instrument,
        i.construct,
        count(*) as items_asked,
    from upload_items as ui
    join items as i on i.id = ui.item_id
    where ui.upload_id = $upload_id
    group by i.instrument, i.construct
),

answered as (
    select
        a.response_id,
        i.instrument,
        i.construct,
        avg(case when i.reverse then i.scale_min + i.scale_max - a.value else a.value end) as score,
        count(*) as items_answered,
    from answers as a
    join responses as r on r.id = a.response_id
    join items as i on i.id = a.item_id
    where r.upload_id = $upload_id
        and a.value is not null
    group by a.response_id, i.instrument, i.construct
)

select
    answered.response_id,
    answered.instrument,
    answered.construct,
    answered.score,
    answered.items_answered,
from answered
join asked
    on asked.instrument = answered.instrument
    and asked.construct = answered.construct
where answered.items_answered * 2 >= asked.items_asked
