-- Every built-in account for HR's accounts page, without password hashes.
select
    id,
    username,
    display_name,
    role,
    teams,
    active,
    created_at,
    created_by,
    password_changed_at,
from accounts
order by username
