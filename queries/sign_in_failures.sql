-- Failed sign-in attempts since $since for one account name or one client.
--
-- $username          an account name (lower-cased), or null for any
-- $client            a client address, or null for any
-- $since             start of the throttling window
-- $reset_on_success  count only failures after the last success in the window
with scoped as (
    select
        attempted_at,
        succeeded,
    from sign_in_attempts
    where attempted_at >= $since
        and ($username is null or username = $username)
        and ($client is null or client = $client)
),

last_success as (
    select max(attempted_at) as succeeded_at
    from scoped
    where succeeded
)

select
    count(*) as failures,
    max(scoped.attempted_at) as last_failure_at,
from scoped, last_success
where not scoped.succeeded
    and (
        not $reset_on_success
        or last_success.succeeded_at is null
        or scoped.attempted_at > last_success.succeeded_at
    )
