-- The first calendar month with an active supervision record (null when none).
select cast(date_trunc('month', min(s.held_on)) as date) as first_month,
from supervision_sessions as s
join uploads as u on u.id = s.upload_id and u.status = 'active'
