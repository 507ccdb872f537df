-- One measure's answers in one wave, reverse keyed as scored: one row per answer,
-- for Cronbach's alpha and item-rest correlations (HR only; never shown to leaders).
--
-- $wave_id     the wave
-- $instrument  the instrument
-- $construct   the measure
select
    a.response_id,
    i.text as question,
    case when i.reverse then i.scale_min + i.scale_max - a.value else a.value end as value,
from answers as a
join active_responses as r on r.id = a.response_id and r.wave_id = $wave_id
join items as i on i.id = a.item_id and i.instrument = $instrument and i.construct = $construct
where a.value is not null
order by a.response_id, i.text
