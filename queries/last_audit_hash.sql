-- The hash of the newest audit entry, which the next entry's hash covers.
select entry_hash
from audit_log
order by id desc
limit 1
