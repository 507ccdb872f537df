-- Disable or re-enable an account; a disabled account cannot sign in.
--
-- $account_id  accounts.id
-- $active      true to enable, false to disable
update accounts
set active = $active
where id = $account_id
