-- Replace an account's password hash.
--
-- $account_id     accounts.id
-- $password_hash  argon2 hash of the new password
-- $changed_at     when
update accounts
set password_hash = $password_hash, password_changed_at = $changed_at
where id = $account_id
