-- What the supervision records say per team and month, and for all the teams
-- chosen together (team and service null): sessions, cancellations, reflective
-- share, share of at least 90 minutes, median days between held sessions, and
-- supervisors seen per worker over the last few months (continuity).
-- A session's team is the one recorded with it, else the worker's team on the
-- latest staff list.
--
-- $month_from, $month_to  first and last calendar month (any day in them)
-- $min_minutes            a session "long enough" lasted at least this long
-- $continuity_months      supervisors are counted over this many months to the month's end
-- $service                one service, or null for all
-- $team                   one team, or null for all
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
        from uploads
        where kind = 'staff' and status = 'active'
    )
),

recorded as (
    -- Only the months shown and the months before them that continuity looks back over.
    select s.*,
    from supervision_sessions as s
    join uploads as u on u.id = s.upload_id and u.status = 'active'
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

all_held as (
    select s.worker_key, s.held_on,
    from supervision_sessions as s
    join uploads as u on u.id = s.upload_id and u.status = 'active'
    where s.status = 'held'
),

chosen as (
    select *
    from sessions
    where month >= (select min(month_start) from months)
        and ($service is null or service = $service)
        and ($team is null or team = $team)
),

gaps as (
    -- Days from each held session in the months shown back to the worker's previous
    -- held session on an earlier day, however long ago.
    select
        c.month,
        c.service,
        c.team,
        c.held_on - max(p.held_on) as days_since_previous,
    from chosen as c
    join all_held as p on p.worker_key = c.worker_key
    where c.status = 'held' and p.held_on < c.held_on
    group by c.worker_key, c.held_on, c.month, c.service, c.team
),

session_stats as (
    select
        month,
        service,
        team,
        count(distinct worker_key) as workers,
        count(*) as sessions,
        count(*) filter (where status = 'held') as held,
        count(*) filter (where status = 'cancelled') as cancelled,
        count(*) filter (where status = 'rescheduled') as rescheduled,
        count(*) filter (where status = 'held' and kind is not null) as held_with_type,
        count(*) filter (where status = 'held' and kind = 'reflective') as reflective,
        count(*) filter (where status = 'held' and minutes is not null) as held_with_duration,
        count(*) filter (where status = 'held' and minutes >= $min_minutes) as held_long_enough,
        count(distinct worker_key) filter (where status = 'held') as workers_held,
        count(distinct worker_key) filter (where status = 'held' and kind = 'reflective')
            as workers_with_reflective,
    from chosen
    group by grouping sets ((month, service, team), (month))
),

gap_stats as (
    select month, service, team, median(days_since_previous) as median_days_between,
    from gaps
    group by grouping sets ((month, service, team), (month))
),

continuity as (
    -- Per worker and month: distinct supervisors of held sessions in the
    -- $continuity_months months ending with the month.
    select
        m.month_start as month,
        p.worker_key,
        arg_max(p.team, p.held_on) as team,
        arg_max(p.service, p.held_on) as service,
        count(distinct p.supervisor_key) as supervisors,
    from months as m
    join sessions as p
        on p.held_on >= cast(m.month_start - to_months($continuity_months - 1) as date)
        and p.held_on < m.month_end
    where p.status = 'held' and p.supervisor_key is not null
    group by m.month_start, p.worker_key
),

continuity_stats as (
    select
        month,
        service,
        team,
        avg(supervisors) as mean_supervisors,
        count(*) filter (where supervisors = 1) / count(*) as share_one_supervisor,
    from continuity
    where ($service is null or service = $service)
        and ($team is null or team = $team)
    group by grouping sets ((month, service, team), (month))
)

select
    s.month,
    s.service,
    s.team,
    s.workers,
    s.sessions,
    s.held,
    s.cancelled,
    s.rescheduled,
    s.cancelled / nullif(s.sessions, 0) as cancellation_rate,
    s.rescheduled / nullif(s.sessions, 0) as rescheduled_rate,
    s.reflective / nullif(s.held_with_type, 0) as reflective_share,
    s.workers_with_reflective / nullif(s.workers_held, 0) as workers_with_reflective_share,
    s.held_long_enough / nullif(s.held_with_duration, 0) as long_enough_share,
    s.held_with_duration / nullif(s.held, 0) as duration_recorded_share,
    g.median_days_between,
    c.mean_supervisors,
    c.share_one_supervisor,
from session_stats as s
left join gap_stats as g
    on g.month = s.month
    and g.team is not distinct from s.team
    and g.service is not distinct from s.service
left join continuity_stats as c
    on c.month = s.month
    and c.team is not distinct from s.team
    and c.service is not distinct from s.service
order by s.month, s.service nulls first, s.team nulls first
