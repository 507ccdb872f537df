-- Supervision compliance per team and month, and for all the teams chosen
-- together (team and service null), from `worker_months`.
-- Students and staff outside the standard are left out; staff with nothing
-- due in a month (joined or left part-way) are in post but not in the
-- compliance denominator.
--
-- $service  one service, or null for all
-- $team     one team, or null for all
select
    month,
    service,
    team,
    count(*) as staff_in_post,
    count(*) filter (where required > 0) as staff_due,
    count(*) filter (where required > 0 and met >= required) as compliant,
    count(*) filter (where required > 0 and met_any_duration >= required)
        as compliant_any_duration,
    compliant / nullif(staff_due, 0) as compliance,
    compliant_any_duration / nullif(staff_due, 0) as compliance_any_duration,
from worker_months
where not excluded
    and ($service is null or service = $service)
    and ($team is null or team = $team)
group by grouping sets ((month, service, team), (month))
order by month, service nulls first, team nulls first
