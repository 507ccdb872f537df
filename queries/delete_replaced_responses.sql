-- Take replaced responses out of every figure (after replace_responses.sql).
-- The caller has registered replaced (response_id).
delete from construct_scores where response_id in (select response_id from replaced);
delete from answers where response_id in (select response_id from replaced);
delete from responses where id in (select response_id from replaced);
