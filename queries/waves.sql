-- Survey waves that have active responses, oldest first.
select
    w.id,
    w.label,
    w.opened_on,
    w.closed_on,
from waves as w
where exists (
    select 1
    from responses as r
    join uploads as u on u.id = r.upload_id and u.status = 'active'
    where r.wave_id = w.id
)
order by w.opened_on nulls last, w.id
