-- What the confidentiality engine's decisions depend on, in one cheap row:
-- the uploads and their status (an import, withdrawal or restore changes
-- it) and the team -> service hierarchy. Decisions are cached on it.
select
    (select count(*) from uploads) as uploads,
    (select coalesce(hash(string_agg(id || ':' || status, ',' order by id)), 0) from uploads)
        as upload_states,
    (select count(*) from responses) as responses,
    (select coalesce(hash(string_agg(name || ':' || coalesce(service, ''), ',' order by name)), 0)
        from teams) as hierarchy,
