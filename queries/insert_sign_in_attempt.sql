-- One password sign-in attempt, kept for throttling.
--
-- $username      the account name as typed, lower-cased (it may not exist)
-- $client        the client's network address, or 'unknown'
-- $attempted_at  when
-- $succeeded     whether the password was right
insert into sign_in_attempts (username, client, attempted_at, succeeded)
values ($username, $client, $attempted_at, $succeeded)
