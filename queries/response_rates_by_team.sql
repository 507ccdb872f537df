-- Survey respondents against staff in post, per team, for one wave. Staff in
-- post come from the latest active staff list: everyone who had started by
-- the wave's closing date and had not left before it. Teams missing from the
-- staff list have a null headcount. Raw counts: callers pass this through the
-- confidentiality gate (queries.response_rates.response_rates_by_team), which
-- protects every team of the organisation before a filter narrows the rows.
--
-- $wave_id     the wave
-- $instrument  count respondents who answered this instrument ('default' or
--              'hse'): a second questionnaire in the same wave is usually
--              answered by the same people
with wave as (
    select coalesce(closed_on, opened_on, current_date) as as_of,
    from waves
    where id = $wave_id
),

latest_staff_list as (
    select id,
    from uploads
    where kind = 'staff' and status = 'active'
    order by data_date desc nulls last, uploaded_at desc, id desc
    limit 1
),

headcount as (
    select
        s.team,
        any_value(s.service) as service,
        count(distinct s.worker_key) as headcount,
    from staff as s
    cross join wave
    where s.upload_id = (select id from latest_staff_list)
        and s.team is not null
        and (s.started_on is null or s.started_on <= wave.as_of)
        and (s.left_on is null or s.left_on >= wave.as_of)
    group by s.team
),

responded as (
    select
        r.team,
        any_value(r.service) as service,
        count(*) as respondents,
    from active_responses as r
    where r.wave_id = $wave_id
        and exists (
            select 1
            from construct_scores as s
            where s.response_id = r.id and s.instrument = $instrument
        )
    group by r.team
),

joined as (
    select
        coalesce(h.team, r.team) as team,
        coalesce(r.service, t.service, h.service) as service,
        h.headcount,
        coalesce(r.respondents, 0) as respondents,
    from headcount as h
    full outer join responded as r on r.team = h.team
    left join teams as t on t.name = coalesce(h.team, r.team)
)

select
    team,
    service,
    headcount,
    respondents,
    respondents / nullif(headcount, 0) as response_rate,
from joined
order by service nulls last, team
