-- Every upload, newest first, for HR's upload history.
select
    u.id,
    u.wave_id,
    u.kind,
    u.file_name,
    u.uploaded_by,
    u.uploaded_at,
    w.label as wave,
    u.rows_read,
    u.rows_stored,
    u.rows_rejected,
    u.status,
    u.mapping_name,
    u.is_demo,
from uploads as u
left join waves as w on w.id = u.wave_id
order by u.id desc
