-- The earlier upload of the same file content, if there is one.
--
-- $sha256  the content hash of the file being uploaded
select
    id,
    kind,
    file_name,
    uploaded_by,
    uploaded_at,
    rows_stored,
    status,
from uploads
where sha256 = $sha256
order by id
limit 1
