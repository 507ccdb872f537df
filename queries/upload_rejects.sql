-- The cells an upload held back, in file order, for the upload history.
--
-- $upload_id  the upload
select
    row_number as "row",
    column_name as "column",
    value,
    reason,
from upload_rejects
where upload_id = $upload_id
order by row_number, column_name
