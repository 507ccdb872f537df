-- Keep what the engine decided for a version of a wave (see kept_verdicts.sql);
-- a version kept already (another thread, another process) stays as it is.
--
-- $version      the digest of the wave's version and the engine
-- $part         'units', 'plain' or 'whole' (wellbeing/privacy/cells.py LEVELS)
-- $wave_id      the wave
-- $description  what the key codes stand for (JSON)
-- $payload      the cells' arrays (numpy's npz)
insert into wave_verdicts (version, part, wave_id, description, payload)
values ($version, $part, $wave_id, $description, $payload)
on conflict do nothing
