-- One account by its user name (case-insensitive), with its password hash, for signing in.
--
-- $username  the name as typed
select
    id,
    username,
    display_name,
    role,
    teams,
    password_hash,
    active,
from accounts
where lower(username) = lower(trim($username))
