-- The password of an attempt recorded as failed before it was checked turned out
-- right: record the success (sign_in records every attempt first, then checks it).
--
-- $username      the account name, lower-cased
-- $client        the client's network address, or 'unknown'
-- $attempted_at  when the attempt was recorded
update sign_in_attempts
set succeeded = true
where username = $username
    and client = $client
    and attempted_at = $attempted_at
    and not succeeded
