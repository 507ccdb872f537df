-- Which of an upload's respondents (hashed ids) already have answers stored in the wave.
-- The caller has registered incoming_hashes (respondent_hash).
--
-- $wave_label  the wave's label (a new label has no one stored)
select
    r.id as response_id,
    r.respondent_hash,
    r.upload_id,
    u.file_name,
from responses as r
join uploads as u on u.id = r.upload_id and u.status = 'active'
join waves as w on w.id = r.wave_id and w.label = $wave_label
semi join incoming_hashes as h on h.respondent_hash = r.respondent_hash
order by r.id
