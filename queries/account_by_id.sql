-- One account by id, re-read on every page so a role change or a disabled
-- account takes effect at the next click.
--
-- $account_id  accounts.id
select
    id,
    username,
    display_name,
    role,
    teams,
    active,
from accounts
where id = $account_id
