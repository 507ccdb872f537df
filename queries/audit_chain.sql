-- Every audit entry in the order it was written, with its chained hash, for the check
-- on the Audit log page (wellbeing.access.audit_log.verify).
select
    id,
    happened_at,
    username,
    action,
    detail,
    entry_hash,
from audit_log
order by id
