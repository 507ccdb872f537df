-- Delete one change event.
--
-- $id  the event
delete from change_events
where id = $id
returning id
