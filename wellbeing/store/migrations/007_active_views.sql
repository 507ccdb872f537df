-- What "active" means, once (issue 19). A withdrawn upload's rows stay in the
-- store for the audit trail, but no figure counts them: queries read these
-- views, never the upload status. Answers have theirs in 003
-- (active_responses, with each team's service).
--
-- The columns are listed, not '*', so that a later migration adding a column to
-- a table does not change what these views return; add it here too if a query
-- needs it.

-- Active uploads of every kind: one of them is the staff list in force, say.
create view active_uploads as
select
    id,
    kind,
    file_name,
    uploaded_at,
    rows_stored,
    wave_id,
    data_date,
from uploads
where status = 'active';

-- Supervision sessions from active uploads.
create view active_supervision_sessions as
select
    s.upload_id,
    s.worker_key,
    s.supervisor_key,
    s.team,
    s.held_on,
    s.minutes,
    s.kind,
    s.status,
from supervision_sessions as s
join uploads as u on u.id = s.upload_id and u.status = 'active';

-- Change events entered by hand (no upload) or from an active upload.
create view active_change_events as
select
    e.id,
    e.upload_id,
    e.team,
    e.started_on,
    e.title,
    e.kind,
from change_events as e
left join uploads as u on u.id = e.upload_id
where e.upload_id is null or u.status = 'active';
