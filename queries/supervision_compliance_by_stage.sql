-- Supervision compliance per month for newly qualified social workers (in
-- their ASYE year) and everyone else, from `worker_months`.
--
-- $service  one service, or null for all
-- $team     one team, or null for all
select
    month,
    case when newly_qualified then 'Newly qualified (ASYE)' else 'Experienced' end as stage,
    count(*) as staff_in_post,
    count(*) filter (where required > 0) as staff_due,
    count(*) filter (where required > 0 and met >= required) as compliant,
    count(*) filter (where required > 0 and met_any_duration >= required)
        as compliant_any_duration,
    sum(required) as sessions_required,
    sum(met) as sessions_required_met,
    compliant / nullif(staff_due, 0) as compliance,
    compliant_any_duration / nullif(staff_due, 0) as compliance_any_duration,
from worker_months
where not excluded
    and ($service is null or service = $service)
    and ($team is null or team = $team)
group by month, newly_qualified
order by month, newly_qualified desc
