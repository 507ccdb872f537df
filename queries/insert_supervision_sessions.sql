-- Store accepted supervision sessions; inside the caller's transaction.
-- The caller has registered incoming_sessions (worker_key, supervisor_key,
-- team, held_on, minutes, kind, status).
--
-- $upload_id  the upload they belong to
insert into supervision_sessions (
    upload_id, worker_key, supervisor_key, team, held_on, minutes, kind, status
)
select
    $upload_id as upload_id,
    worker_key,
    supervisor_key,
    team,
    cast(held_on as date) as held_on,
    cast(minutes as integer) as minutes,
    kind,
    status,
from incoming_sessions
