-- Record which items a survey upload asked, for the half-answered rule.
-- The caller has registered incoming_items (item_id).
--
-- $upload_id  the survey upload
insert into upload_items
select $upload_id as upload_id, item_id
from incoming_items
