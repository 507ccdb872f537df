-- Store change events from a change-log upload; inside the caller's transaction.
-- The caller has registered incoming_changes (team, started_on, title, kind).
--
-- $upload_id  the upload they belong to
insert into change_events (upload_id, team, started_on, title, kind)
select
    $upload_id as upload_id,
    team,
    cast(started_on as date) as started_on,
    title,
    kind,
from incoming_changes
