-- Staff in post on the data date, with their last held supervision session
-- and whether they are overdue (no held session for more than the limit; a
-- worker who started within the limit is not overdue). HR only: one row per
-- worker, identified by the salted hash alone.
-- Staff come from the staff list in force on the data date (the latest dated
-- on or before it; else the earliest), or from the records when no list is active.
--
-- $as_of                   the data date
-- $overdue_after_days      more days than this without a held session is overdue
-- $excluded_stage_pattern  career stages outside the standard (regex on lower case)
-- $service                 one service, or null for all
-- $team                    one team, or null for all
with
staff_lists as (
    select id, data_date,
    from active_uploads
    where kind = 'staff'
),

list_in_force as (
    select coalesce(
        max_by(id, {'d': data_date, 'i': id}) filter (where data_date <= cast($as_of as date)),
        min_by(id, {'d': data_date, 'i': -id})
    ) as upload_id,
    from staff_lists
),

sessions as (
    select s.worker_key, s.team, s.held_on, s.status,
    from active_supervision_sessions as s
    where s.held_on <= cast($as_of as date)
),

in_post as (
    select s.worker_key, s.team, coalesce(s.service, t.service) as service, s.started_on,
    from staff as s
    join list_in_force as f on f.upload_id = s.upload_id
    left join teams as t on t.name = s.team
    where (s.started_on is null or s.started_on <= cast($as_of as date))
        and (s.left_on is null or s.left_on >= cast($as_of as date))
        and not coalesce(regexp_matches(lower(s.career_stage), $excluded_stage_pattern), false)
    union all
    select r.worker_key, r.team, t.service, r.started_on,
    from (
        select worker_key, arg_max(team, held_on) as team, min(held_on) as started_on,
        from sessions
        group by worker_key
    ) as r
    left join teams as t on t.name = r.team
    where not exists (select 1 from staff_lists)
),

last_held as (
    select worker_key, max(held_on) as last_session,
    from sessions
    where status = 'held'
    group by worker_key
)

select
    p.worker_key,
    p.team,
    p.service,
    p.started_on,
    h.last_session,
    cast($as_of as date) - h.last_session as days_since_last_session,
    case
        when h.last_session is not null
            then cast($as_of as date) - h.last_session > $overdue_after_days
        else p.started_on is null or cast($as_of as date) - p.started_on > $overdue_after_days
    end as overdue,
    case when overdue then
        cast($as_of as date) - coalesce(h.last_session, p.started_on) - $overdue_after_days
    end as days_overdue,
from in_post as p
left join last_held as h on h.worker_key = p.worker_key
where ($service is null or p.service = $service)
    and ($team is null or p.team = $team)
order by overdue desc, days_overdue desc nulls first, p.team, p.worker_key
