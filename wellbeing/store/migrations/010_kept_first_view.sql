-- The figures a session's first run of the default page (the Overview) asked for,
-- as it drew them (issue 20): a restart looks them up instead of working them out
-- again while the first leader waits (queries/first_view.py). Keyed by a digest of
-- the dashboard's own code and libraries, the data version (queries/data_version.sql)
-- and whose figures they are (a team manager's or a reader's are never another's).
-- JSON and Arrow streams (wellbeing/store/kept_values.py), never pickles.
create table kept_first_view (
    code varchar not null,
    data_version varchar not null,
    reader varchar not null,
    figures varchar not null,
    frames blob not null,
    kept_at timestamp not null default current_timestamp,
    primary key (code, data_version, reader)
);
