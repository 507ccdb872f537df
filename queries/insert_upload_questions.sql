-- Record how each question of a survey upload was read (inside the caller's transaction).
-- The caller has registered incoming_questions (item_id, column_name, answer_scale,
-- scale_low, scale_high, reverse, measure_version).
--
-- $upload_id  the survey upload
insert into upload_questions
select
    $upload_id as upload_id,
    item_id,
    column_name,
    answer_scale,
    scale_low,
    scale_high,
    reverse,
    measure_version,
from incoming_questions
