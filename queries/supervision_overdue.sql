-- Staff in post on the data date and how many are overdue for supervision,
-- per team and for all the teams chosen together (team and service null),
-- from `overdue_workers` (supervision_overdue_workers.sql for every team, kept
-- once per data date).
--
-- $service                 one service, or null for all
-- $team                    one team, or null for all
select
    service,
    team,
    count(*) as staff_in_post,
    count(*) filter (where overdue) as overdue_staff,
    overdue_staff / nullif(staff_in_post, 0) as overdue_share,
    count(*) filter (where last_session is null) as never_supervised,
from overdue_workers
where ($service is null or service = $service)
    and ($team is null or team = $team)
group by grouping sets ((service, team), ())
order by service nulls first, team nulls first
