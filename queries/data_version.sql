-- Everything a figure depends on, in one cheap row: the uploads and their
-- status (an import, withdrawal, restore or demo removal changes it), the
-- waves, the team -> service hierarchy, the hand-edited change log and the
-- settings (the thresholds; the random store_id makes every store's row its
-- own), and HR's measure versions (an edited name, direction or cut-off).
-- Large tables are covered by their upload. Figures are cached
-- on this row (queries/cache.py).
select
    (select coalesce(hash(string_agg(id || ':' || status, ',' order by id)), 0) from uploads)
        as upload_states,
    (select coalesce(hash(string_agg(id || ':' || label, ',' order by id)), 0) from waves)
        as waves,
    (select coalesce(hash(string_agg(name || ':' || coalesce(service, ''), ',' order by name)), 0)
        from teams) as hierarchy,
    (select coalesce(hash(string_agg(c::varchar, ',' order by c.id)), 0) from change_events as c)
        as change_log,
    (select coalesce(hash(string_agg(key || '=' || value, ',' order by key)), 0) from settings)
        as settings,
    (select count(*) from measure_versions) as measure_versions,
