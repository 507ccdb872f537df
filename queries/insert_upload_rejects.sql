-- Keep the rejected cells of an upload with it, for the history.
-- The caller has registered incoming_rejects (row, column, value, reason).
--
-- $upload_id  the upload they belong to
insert into upload_rejects
select $upload_id as upload_id, "row", "column", "value", reason
from incoming_rejects
