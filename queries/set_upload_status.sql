-- Withdraw an upload (its rows disappear from every figure) or restore it.
--
-- $upload_id  the upload
-- $status     'withdrawn' or 'active'
update uploads
set status = $status
where id = $upload_id
returning id
