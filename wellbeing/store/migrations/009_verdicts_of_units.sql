-- A wave's decision is made and kept in three parts (wellbeing/privacy/cells.py
-- LEVELS): the units (organisation, services, teams), then their role and
-- career-stage breakdowns ('plain'), then the sensitive breakdowns ('whole').
-- The verdicts kept before were made by another engine (their digest no longer
-- matches) and would never be read again, so the table starts empty.
drop table wave_verdicts;
create table wave_verdicts (
    version varchar not null,
    part varchar not null check (part in ('units', 'plain', 'whole')),
    wave_id integer not null,
    description blob not null,
    payload blob not null,
    decided_at timestamp not null default current_timestamp,
    primary key (version, part)
);
