-- The active staff lists, newest first: which list is in force when.
select id, file_name, data_date, rows_stored, uploaded_at,
from active_uploads
where kind = 'staff'
order by data_date desc, id desc
