-- What the confidentiality engine decided for a version of a wave (issue 20):
-- every cell's status, so that a restart, another server process or a reader
-- of a snapshot looks a wave up instead of deciding it again (a minute at
-- 100,000 respondents). Keyed by a digest of everything the decision depends
-- on: the wave's version (queries/decisions.py wave_version) and the engine's
-- own source, so a changed engine never reads an old engine's verdicts.
-- Arrays and JSON (wellbeing/privacy/verdicts.py), never pickles.
create table wave_verdicts (
    version varchar not null,
    part varchar not null check (part in ('plain', 'whole')),
    wave_id integer not null,
    description blob not null,
    payload blob not null,
    decided_at timestamp not null default current_timestamp,
    primary key (version, part)
);
