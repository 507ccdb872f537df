-- The supervision records of the months shown, row by row, for every team:
-- what supervision_sessions.sql adds up for whichever teams are chosen. Never
-- shown as they are. Three kinds of row (row_kind):
--   'session'     each recorded session in the months shown
--   'gap'         each worker's day with a held session in the months shown, with
--                 the days back to their previous held session on an earlier day
--                 (however long ago); none for a worker's first held session
--   'continuity'  each worker with a held session in the $continuity_months months
--                 ending with a month shown, with the distinct supervisors seen
-- A session's team is the one recorded with it, else the worker's team on the
-- latest staff list; a continuity row's team is that of the worker's latest session.
--
-- $month_from, $month_to  first and last calendar month (any day in them)
-- $continuity_months      supervisors are counted over this many months to the month's end
with
months as (
    select
        cast(m as date) as month_start,
        cast(m + interval 1 month as date) as month_end,
    from range(
        cast(date_trunc('month', cast($month_from as date)) as timestamp),
        cast(date_trunc('month', cast($month_to as date)) as timestamp) + interval 1 month,
        interval 1 month
    ) as t (m)
),

latest_staff as (
    select s.worker_key, s.team, s.service,
    from staff as s
    where s.upload_id = (
        select max_by(id, {'d': data_date, 'i': id})
        from active_uploads
        where kind = 'staff'
    )
),

recorded as (
    -- Only the months shown and the months before them that continuity looks back over.
    select s.*,
    from active_supervision_sessions as s
    where s.held_on >= (
            select cast(min(month_start) - to_months($continuity_months - 1) as date) from months
        )
        and s.held_on < (select max(month_end) from months)
),

with_team as (
    -- The staff list is looked up only for the few records without a team.
    select worker_key, supervisor_key, team, held_on, minutes, kind, status,
    from recorded
    where team is not null
    union all
    select r.worker_key, r.supervisor_key, l.team, r.held_on, r.minutes, r.kind, r.status,
    from recorded as r
    left join latest_staff as l on l.worker_key = r.worker_key
    where r.team is null
),

sessions as (
    select
        w.*,
        t.service,
        cast(date_trunc('month', w.held_on) as date) as month,
    from with_team as w
    left join teams as t on t.name = w.team
),

shown as (
    select *
    from sessions
    where month >= (select min(month_start) from months)
),

all_held as (
    select s.worker_key, s.held_on,
    from active_supervision_sessions as s
    where s.status = 'held'
),

gaps as (
    select
        c.month,
        c.service,
        c.team,
        c.worker_key,
        c.held_on - max(p.held_on) as days_since_previous,
    from shown as c
    join all_held as p on p.worker_key = c.worker_key
    where c.status = 'held' and p.held_on < c.held_on
    group by c.worker_key, c.held_on, c.month, c.service, c.team
),

continuity as (
    select
        m.month_start as month,
        arg_max(p.service, p.held_on) as service,
        arg_max(p.team, p.held_on) as team,
        p.worker_key,
        count(distinct p.supervisor_key) as supervisors,
    from months as m
    join sessions as p
        on p.held_on >= cast(m.month_start - to_months($continuity_months - 1) as date)
        and p.held_on < m.month_end
    where p.status = 'held' and p.supervisor_key is not null
    group by m.month_start, p.worker_key
)

select
    'session' as row_kind, month, service, team, worker_key, status, kind, minutes,
    null::integer as days_since_previous, null::bigint as supervisors,
from shown
union all
select
    'gap', month, service, team, worker_key, null, null, null, days_since_previous, null,
from gaps
union all
select 'continuity', month, service, team, worker_key, null, null, null, null, supervisors,
from continuity
