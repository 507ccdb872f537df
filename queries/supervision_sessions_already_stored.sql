-- How many incoming sessions are already stored from an active upload (same
-- worker, day, status, type, duration and supervisor): an export that overlaps
-- an earlier one would count them twice in the session figures.
-- The caller has registered incoming_sessions (as stored by the import).
select count(*) as repeated,
from incoming_sessions as i
where exists (
    select 1
    from active_supervision_sessions as s
    where s.worker_key = i.worker_key
        and s.held_on = cast(i.held_on as date)
        and s.status = i.status
        and s.kind is not distinct from i.kind
        and s.minutes is not distinct from cast(i.minutes as integer)
        and s.supervisor_key is not distinct from i.supervisor_key
)
