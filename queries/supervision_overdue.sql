-- Staff in post on the data date and how many are overdue for supervision,
-- per team and for all the teams chosen together (team and service null),
-- from `overdue_workers` (supervision_overdue_workers.sql, same parameters).
select
    service,
    team,
    count(*) as staff_in_post,
    count(*) filter (where overdue) as overdue_staff,
    overdue_staff / nullif(staff_in_post, 0) as overdue_share,
    count(*) filter (where last_session is null) as never_supervised,
from overdue_workers
group by grouping sets ((service, team), ())
order by service nulls first, team nulls first
