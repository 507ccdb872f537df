-- The date the supervision records run to: the latest data date of the
-- active supervision uploads (null when there are none).
select max(data_date) as data_date,
from active_uploads
where kind = 'supervision'
