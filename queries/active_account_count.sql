-- How many accounts can sign in (with the active HR admins among them).
select
    count(*) as active_accounts,
    count(*) filter (where role = 'hr_admin') as active_hr_admins,
from accounts
where active
