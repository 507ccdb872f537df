-- Store accepted survey responses (inside the caller's transaction).
-- The caller has registered incoming_responses (row_key and respondent fields).
--
-- $upload_id          the upload these rows belong to
-- $wave_id            the wave they answer
-- $first_response_id  the id given to row_key 0
insert into responses
select
    $first_response_id + row_key as id,
    $wave_id as wave_id,
    $upload_id as upload_id,
    respondent_hash,
    submitted_at,
    team,
    service,
    role,
    career_stage,
    ethnicity,
    gender,
    disability,
    age_band,
from incoming_responses
