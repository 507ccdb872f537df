-- What the confidentiality engine remembers of each wave (issue 15, DESIGN.md section 4):
-- the wave's own team -> service hierarchy, what readers were shown of each
-- version of it, and one view of the active responses every survey query reads.

-- A wave keeps the hierarchy it was imported with: a later staff list that
-- moves a team regroups new waves only, never one readers have already seen.
create table wave_teams (
    wave_id integer not null,
    team varchar not null,
    service varchar,
    primary key (wave_id, team)
);

insert into wave_teams
select
    r.wave_id,
    r.team,
    any_value(coalesce(t.service, r.service)) as service,
from responses as r
left join teams as t on t.name = r.team
group by r.wave_id, r.team;

-- Answers that mean "not stated" are one value (null) wherever they came from,
-- so that a filter and the engine always see the same groups.
update responses set role = null
where lower(trim(role)) in (
    '', 'not stated', 'prefer not to say', 'prefer not to answer', 'rather not say',
    'not known', 'unknown', 'n/a', 'na', 'not applicable', 'none given', 'not given',
    'declined', 'withheld', '-', '--', '?'
);
update responses set career_stage = null
where lower(trim(career_stage)) in (
    '', 'not stated', 'prefer not to say', 'prefer not to answer', 'rather not say',
    'not known', 'unknown', 'n/a', 'na', 'not applicable', 'none given', 'not given',
    'declined', 'withheld', '-', '--', '?'
);
update responses set ethnicity = null
where lower(trim(ethnicity)) in (
    '', 'not stated', 'prefer not to say', 'prefer not to answer', 'rather not say',
    'not known', 'unknown', 'n/a', 'na', 'not applicable', 'none given', 'not given',
    'declined', 'withheld', '-', '--', '?'
);
update responses set gender = null
where lower(trim(gender)) in (
    '', 'not stated', 'prefer not to say', 'prefer not to answer', 'rather not say',
    'not known', 'unknown', 'n/a', 'na', 'not applicable', 'none given', 'not given',
    'declined', 'withheld', '-', '--', '?'
);
update responses set disability = null
where lower(trim(disability)) in (
    '', 'not stated', 'prefer not to say', 'prefer not to answer', 'rather not say',
    'not known', 'unknown', 'n/a', 'na', 'not applicable', 'none given', 'not given',
    'declined', 'withheld', '-', '--', '?'
);
update responses set age_band = null
where lower(trim(age_band)) in (
    '', 'not stated', 'prefer not to say', 'prefer not to answer', 'rather not say',
    'not known', 'unknown', 'n/a', 'na', 'not applicable', 'none given', 'not given',
    'declined', 'withheld', '-', '--', '?'
);

-- Each version of a wave that readers other than HR were shown: the wave's
-- active survey uploads then, the thresholds, and the cells shown (per set of
-- respondents, a JSON list of cell keys). Later decisions on the wave are made
-- together with every one of these.
create sequence wave_publication_id_seq start 1;
create table wave_publications (
    id integer primary key default nextval('wave_publication_id_seq'),
    wave_id integer not null,
    uploads varchar not null,
    min_group_size integer not null,
    sensitive_min_group_size integer not null,
    alike_group_size integer not null,
    sensitive boolean not null,
    shown json not null,
    first_shown_at timestamp not null default current_timestamp
);

-- The responses of active uploads with the service of their team as the wave
-- has it, and a blank attribute as 'Not stated' (wellbeing.privacy.NOT_STATED):
-- every survey figure and the engine read respondents from here.
create view active_responses as
select
    r.id,
    r.wave_id,
    r.upload_id,
    r.respondent_hash,
    r.submitted_at,
    r.team,
    coalesce(w.service, r.service) as service,
    coalesce(r.role, 'Not stated') as role,
    coalesce(r.career_stage, 'Not stated') as career_stage,
    coalesce(r.ethnicity, 'Not stated') as ethnicity,
    coalesce(r.gender, 'Not stated') as gender,
    coalesce(r.disability, 'Not stated') as disability,
    coalesce(r.age_band, 'Not stated') as age_band,
from responses as r
join uploads as u on u.id = r.upload_id and u.status = 'active'
left join wave_teams as w on w.wave_id = r.wave_id and w.team = r.team;

-- The measure scores figures are made of. Support and challenge are a pair (the
-- quadrants need both): where an upload asked both, a respondent counts in
-- either only with a score on both, so the two means and the quadrants describe
-- the same people and no one's score is the difference between two of them.
create view reported_scores as
select s.*,
from construct_scores as s
where not (s.instrument = 'default' and s.construct in ('support', 'challenge'))
    or exists (
        select 1
        from construct_scores as other
        where other.response_id = s.response_id
            and other.instrument = 'default'
            and other.construct in ('support', 'challenge')
            and other.construct <> s.construct
    )
    or not exists (
        select 1
        from responses as r
        join upload_items as asked on asked.upload_id = r.upload_id
        join items as i on i.id = asked.item_id
        where r.id = s.response_id
            and i.instrument = 'default'
            and i.construct in ('support', 'challenge')
            and i.construct <> s.construct
    );
