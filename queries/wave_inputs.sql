-- What a wave's confidentiality decision reads besides its uploads and what
-- readers were shown: its own team -> service hierarchy and HR's measure
-- versions (a changed direction or cut-off changes scores), and the store's
-- id, so that two stores never share a decision. An import to another wave
-- changes none of them, so that wave's decision is kept.
--
-- $wave_id  the wave
select
    (select value from settings where key = 'store_id') as store_id,
    (select coalesce(hash(string_agg(team || ':' || coalesce(service, ''), ',' order by team)), 0)
        from wave_teams where wave_id = $wave_id) as hierarchy,
    (select count(*) from measure_versions) as measure_versions,
