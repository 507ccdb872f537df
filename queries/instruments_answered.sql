-- The instruments ('default', 'hse') with at least one scored answer in an active
-- upload, in any wave: whether a page has anything to show for one at all.
select distinct s.instrument,
from construct_scores as s
join active_responses as r on r.id = s.response_id
order by s.instrument
