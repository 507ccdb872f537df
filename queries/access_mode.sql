-- Whether this connection may write: 'read_only' for a store opened read-only
-- (a reader's snapshot, a benchmark's look), 'automatic' otherwise.
select current_setting('access_mode')
