-- The questions each measure asked in each wave, from the active uploads: a
-- measure whose questions differ from its previous wave has a break in its trend.
--
-- $instrument  the instrument ('default')
select
    r.wave_id,
    i.construct,
    list(distinct i.text order by i.text) as questions,
    list(distinct coalesce(q.answer_scale, i.label_set) order by coalesce(q.answer_scale, i.label_set)) as scales,
from upload_items as ui
join uploads as up on up.id = ui.upload_id and up.status = 'active' and up.kind = 'survey'
join items as i on i.id = ui.item_id and i.instrument = $instrument
join (select distinct upload_id, wave_id from responses) as r on r.upload_id = up.id
left join upload_questions as q on q.upload_id = ui.upload_id and q.item_id = ui.item_id
group by r.wave_id, i.construct
order by r.wave_id, i.construct
