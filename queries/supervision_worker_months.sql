-- One row per worker in post and calendar month: the supervision windows the
-- LGA Standard 5 cadence required of them and how many were met, with and
-- without the 90-minute rule. The rules are explained, and their constants
-- kept, in wellbeing/core/cadence.py; the other supervision queries read this
-- as `worker_months` (queries/supervision.py keeps these rows per data version
-- and period, and registers them under that name). Rows come by month.
--
-- Staff in post come from the staff list in force for each month (the latest
-- active list dated in or before the month; before the first list, the
-- earliest list), or from the records when no staff list is active.
--
-- $month_from, $month_to           first and last calendar month (any day in them)
-- $as_of                           the data date: windows ending after it are not yet due
-- $min_minutes                     shortest session that counts, when its duration is known
-- $weekly_days, $weekly_windows    the ASYE's weekly phase: window length, number of windows
-- $fortnightly_days                the fortnightly phase's window length
-- $fortnightly_until_months        fortnightly until this many months after the ASYE start
-- $asye_months                     months an ASYE lasts ("newly qualified" in those months)
-- $excluded_stage_pattern          career stages outside the standard (regex on lower case)
-- $newly_qualified_stage_pattern   career stages meaning newly qualified (regex on lower case)
with
months as (
    -- One month beyond $month_to, so that a window starting late in the last
    -- month can be met by a session early in the next.
    select
        cast(m as date) as month_start,
        cast(m + interval 1 month as date) as month_end,
    from range(
        cast(date_trunc('month', cast($month_from as date)) as timestamp),
        cast(date_trunc('month', cast($month_to as date)) as timestamp) + interval 2 month,
        interval 1 month
    ) as t (m)
),

staff_lists as (
    select id, data_date,
    from active_uploads
    where kind = 'staff'
),

list_for_month as (
    select
        m.month_start,
        coalesce(
            max_by(l.id, {'d': l.data_date, 'i': l.id}) filter (where l.data_date < m.month_end),
            min_by(l.id, {'d': l.data_date, 'i': -l.id})
        ) as upload_id,
    from months as m
    cross join staff_lists as l
    group by m.month_start
),

sessions as (
    select
        s.worker_key,
        s.supervisor_key,
        s.held_on,
        s.minutes,
        s.kind,
        s.status,
    from active_supervision_sessions as s
    where s.held_on >= (select min(month_start) from months)
        and s.held_on < (select max(month_end) from months)
),

recorded_workers as (
    -- Without a staff list, everyone in the records is in post from the month
    -- of their first record: leavers cannot be told apart.
    select
        s.worker_key,
        arg_max(s.team, s.held_on) as team,
        cast(date_trunc('month', min(s.held_on)) as date) as started_on,
    from active_supervision_sessions as s
    where not exists (select 1 from staff_lists)
    group by s.worker_key
),

staff_by_month as (
    select
        f.month_start,
        s.worker_key,
        s.team,
        coalesce(s.service, t.service) as service,
        s.career_stage,
        s.asye_started_on,
        s.started_on,
        s.left_on,
    from list_for_month as f
    join staff as s on s.upload_id = f.upload_id
    left join teams as t on t.name = s.team
    union all
    select
        m.month_start,
        r.worker_key,
        r.team,
        t.service,
        cast(null as varchar) as career_stage,
        cast(null as date) as asye_started_on,
        r.started_on,
        cast(null as date) as left_on,
    from months as m
    cross join recorded_workers as r
    left join teams as t on t.name = r.team
),

workers as (
    select
        b.*,
        cast(m.month_end as date) as month_end,
        coalesce(
            b.asye_started_on,
            case
                when regexp_matches(lower(b.career_stage), $newly_qualified_stage_pattern)
                    then b.started_on
            end
        ) as asye_start,
        coalesce(regexp_matches(lower(b.career_stage), $excluded_stage_pattern), false) as excluded,
        asye_start + cast($weekly_days * $weekly_windows as integer) as fortnightly_from,
        -- Monthly from the first calendar month that starts on or after the
        -- 6-month mark, so that no month is left with nothing required.
        cast(
            date_trunc('month', asye_start + to_months($fortnightly_until_months) - interval 1 day)
            + interval 1 month as date
        ) as monthly_from,
        -- Whole fortnights up to then; the last one runs on to the monthly phase.
        greatest(1, (monthly_from - fortnightly_from) // $fortnightly_days) as fortnights,
    from staff_by_month as b
    join months as m on m.month_start = b.month_start
    where (b.started_on is null or b.started_on < m.month_end)
        and (b.left_on is null or b.left_on >= b.month_start)
),

windows as (
    select
        month_start,
        month_end,
        worker_key,
        month_start as window_start,
        month_end as window_end,
        started_on,
        left_on,
        excluded,
    from workers
    where asye_start is null or month_start >= monthly_from or month_end <= asye_start
    union all
    select
        w.month_start,
        w.month_end,
        w.worker_key,
        w.asye_start + cast($weekly_days * i.i as integer) as window_start,
        window_start + cast($weekly_days as integer) as window_end,
        w.started_on,
        w.left_on,
        w.excluded,
    from workers as w
    cross join range(0, $weekly_windows) as i (i)
    where w.asye_start is not null
    union all
    select
        w.month_start,
        w.month_end,
        w.worker_key,
        w.fortnightly_from + cast($fortnightly_days * i.i as integer) as window_start,
        case
            when i.i = w.fortnights - 1 then w.monthly_from
            else window_start + cast($fortnightly_days as integer)
        end as window_end,
        w.started_on,
        w.left_on,
        w.excluded,
    from workers as w
    -- Three fortnights a month is more than any month holds.
    cross join range(0, 3 * $fortnightly_until_months) as i (i)
    where w.asye_start is not null and i.i < w.fortnights
),

due_windows as (
    -- A window is due when it starts in the month, the worker was in post for
    -- all of it, and it had ended by the data date.
    select month_start, worker_key, window_start,
    from windows
    where window_start >= month_start
        and window_start < month_end
        and month_start <= cast($month_to as date)
        and not excluded
        and (started_on is null or started_on <= window_start)
        and (left_on is null or left_on >= window_end - 1)
        and window_end - 1 <= cast($as_of as date)
),

session_windows as (
    -- The window each session falls in, by the worker's phase on the day.
    select
        s.worker_key,
        case
            when w.asye_start is not null
                and s.held_on >= w.asye_start and s.held_on < w.fortnightly_from
                then w.asye_start + cast(
                    $weekly_days * ((s.held_on - w.asye_start) // $weekly_days) as integer
                )
            when w.asye_start is not null
                and s.held_on >= w.fortnightly_from and s.held_on < w.monthly_from
                then w.fortnightly_from + cast(
                    $fortnightly_days * least(
                        (s.held_on - w.fortnightly_from) // $fortnightly_days, w.fortnights - 1
                    )
                    as integer
                )
            else w.month_start
        end as window_start,
        bool_or(s.status = 'held') as held,
        bool_or(s.status = 'held' and coalesce(s.minutes >= $min_minutes, true)) as counted,
    from sessions as s
    join workers as w
        on w.worker_key = s.worker_key
        and w.month_start = cast(date_trunc('month', s.held_on) as date)
    group by all
),

window_results as (
    select
        d.month_start,
        d.worker_key,
        count(*) as required,
        count(*) filter (where sw.counted) as met,
        count(*) filter (where sw.held) as met_any_duration,
    from due_windows as d
    left join session_windows as sw
        on sw.worker_key = d.worker_key and sw.window_start = d.window_start
    group by d.month_start, d.worker_key
),

month_sessions as (
    select
        worker_key,
        cast(date_trunc('month', held_on) as date) as month_start,
        count(*) filter (where status = 'held') as sessions_held,
        count(*) filter (
            where status = 'held' and coalesce(minutes >= $min_minutes, true)
        ) as sessions_counted,
    from sessions
    group by all
)

select
    w.month_start as month,
    w.worker_key,
    w.team,
    w.service,
    w.career_stage,
    w.asye_start is not null
        and w.asye_start < w.month_end
        and w.month_start < cast(w.asye_start + to_months($asye_months) as date)
        as newly_qualified,
    w.excluded,
    coalesce(r.required, 0) as required,
    coalesce(r.met, 0) as met,
    coalesce(r.met_any_duration, 0) as met_any_duration,
    coalesce(ms.sessions_held, 0) as sessions_held,
    coalesce(ms.sessions_counted, 0) as sessions_counted,
from workers as w
left join window_results as r
    on r.month_start = w.month_start and r.worker_key = w.worker_key
left join month_sessions as ms
    on ms.month_start = w.month_start and ms.worker_key = w.worker_key
where w.month_start <= cast($month_to as date)
    and w.month_start <= cast($as_of as date)
-- By month: a period's rows are then one run of them, cut without a copy
-- (queries/supervision_rows.py).
order by w.month_start
