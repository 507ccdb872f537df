-- Everything a reader process shows or checks, in one cheap row: the data
-- version (data_version.sql: uploads, waves, teams, change log, settings), the
-- accounts and single sign-on mappings a reader signs people in with, the
-- sign-in attempts it counts failures from, what readers were shown of each
-- wave (the engine decides later versions with it) and the engine's kept
-- verdicts (so that readers look waves up rather than decide them). The writer
-- publishes a new snapshot when this row changes (queries/snapshots.py). The audit log is left
-- out: only HR reads it, on the writer.
select
    (select coalesce(hash(string_agg(a::varchar, ',' order by a.id)), 0) from accounts as a)
        as accounts,
    (select coalesce(hash(string_agg(m::varchar, ',' order by m.claim, m.value)), 0)
        from sso_mappings as m) as sso_mappings,
    (select count(*) from sign_in_attempts) as sign_in_attempts,
    (select count(*) from wave_publications) as wave_publications,
    (select coalesce(hash(string_agg(version || part, ',' order by version, part)), 0)
        from wave_verdicts) as wave_verdicts,
