-- One action plan by its id (no row when there is none).
--
-- $id  the action
select id, scope, unit, what, measure, owner, started_on, review_on, status,
from actions
where id = $id
