-- Record earlier answers about to be replaced by a correction (inside the caller's
-- transaction); delete_replaced_responses.sql then takes them out of every figure.
-- The caller has registered replaced (response_id).
--
-- $upload_id    the upload whose answers replace them
-- $replaced_by  who chose to replace them
insert into replaced_responses
    (response_id, wave_id, upload_id, respondent_hash, replaced_by_upload, replaced_by)
select r.id, r.wave_id, r.upload_id, r.respondent_hash, $upload_id, $replaced_by,
from responses as r
semi join replaced on replaced.response_id = r.id
