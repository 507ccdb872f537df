-- Survey waves that have active responses, oldest first.
select
    w.id,
    w.label,
    w.opened_on,
    w.closed_on,
from waves as w
where exists (
    select 1
    from active_responses as r
    where r.wave_id = w.id
)
order by w.opened_on nulls last, w.id
