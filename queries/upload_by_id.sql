-- One upload, for withdraw and restore to check what they act on.
--
-- $upload_id  the upload
select
    id,
    kind,
    file_name,
    status,
    is_demo,
from uploads
where id = $upload_id
