-- Store accepted answers in long format (inside the caller's transaction).
-- The caller has registered incoming_answers (row_key, item_id, value).
--
-- $first_response_id  the response id given to row_key 0
insert into answers
select
    $first_response_id + row_key as response_id,
    item_id,
    value,
from incoming_answers
