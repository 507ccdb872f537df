-- What the supervision records say per team and month, and for all the teams
-- chosen together (team and service null): sessions, cancellations, reflective
-- share, share of at least 90 minutes, median days between held sessions, and
-- supervisors seen per worker over the last few months (continuity).
-- Reads `session_rows` (supervision_session_rows.sql): the costly part, the same
-- whichever teams are chosen, so it is worked out once per period.
--
-- $min_minutes            a session "long enough" lasted at least this long
-- $service                one service, or null for all
-- $team                   one team, or null for all
with
chosen as (
    select *
    from session_rows
    where ($service is null or service = $service)
        and ($team is null or team = $team)
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
    where row_kind = 'session'
    group by grouping sets ((month, service, team), (month))
),

gap_stats as (
    select month, service, team, median(days_since_previous) as median_days_between,
    from chosen
    where row_kind = 'gap'
    group by grouping sets ((month, service, team), (month))
),

continuity_stats as (
    select
        month,
        service,
        team,
        avg(supervisors) as mean_supervisors,
        count(*) filter (where supervisors = 1) / count(*) as share_one_supervisor,
    from chosen
    where row_kind = 'continuity'
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
