-- Store the rows of a staff list; inside the caller's transaction. Earlier
-- lists stay: queries choose the list in force for each period.
-- The caller has registered incoming_staff (worker_key, team, service, role,
-- career_stage, asye_started_on, started_on, left_on, agency).
--
-- $upload_id  the upload they belong to
insert into staff (
    upload_id, worker_key, team, service, role, career_stage, asye_started_on, started_on,
    left_on, agency
)
select
    $upload_id as upload_id,
    worker_key,
    team,
    service,
    role,
    career_stage,
    cast(asye_started_on as date) as asye_started_on,
    cast(started_on as date) as started_on,
    cast(left_on as date) as left_on,
    agency,
from incoming_staff
