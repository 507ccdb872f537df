-- The first calendar month with an active supervision record (null when none).
select cast(date_trunc('month', min(s.held_on)) as date) as first_month,
from active_supervision_sessions as s
