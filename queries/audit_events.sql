-- The audit log, newest first, for HR admins.
--
-- $action    one action, or null for every action
-- $username  one person, or null for everyone
-- $limit     at most this many lines
select
    happened_at,
    username,
    action,
    detail,
from audit_log
where ($action is null or action = $action)
    and ($username is null or username = $username)
order by happened_at desc, id desc
limit $limit
