-- The active staff lists, newest first: which list is in force when.
select id, file_name, data_date, rows_stored, uploaded_at,
from uploads
where kind = 'staff' and status = 'active'
order by data_date desc, id desc
