-- The store as sketched in DESIGN.md section 5.
-- No foreign keys: DuckDB checks them on every update, and withdrawal and
-- supersession are modelled with status columns instead of deletes.

create sequence upload_id_seq start 1;
create table uploads (
    id integer primary key default nextval('upload_id_seq'),
    kind varchar not null check (kind in ('survey', 'supervision', 'staff', 'changes')),
    file_name varchar not null,
    sha256 varchar not null,
    uploaded_by varchar not null,
    uploaded_at timestamp not null default current_timestamp,
    rows_read integer not null,
    rows_stored integer not null,
    rows_rejected integer not null,
    status varchar not null default 'active' check (status in ('active', 'withdrawn')),
    wave_id integer,
    mapping_name varchar,
    data_date date,
    is_demo boolean not null default false
);

create table upload_rejects (
    upload_id integer not null,
    row_number integer,
    column_name varchar,
    value varchar,
    reason varchar not null
);

create table instruments (
    code varchar primary key,
    name varchar not null,
    description varchar,
    higher_is_better boolean not null default false
);

create table constructs (
    instrument varchar not null,
    code varchar not null,
    name varchar not null,
    description varchar,
    kind varchar not null check (kind in ('scale', 'yes_no', 'band')),
    scale_min double not null,
    scale_max double not null,
    primary key (instrument, code)
);

create table label_sets (
    name varchar not null,
    label varchar not null,
    value double,
    primary key (name, label)
);

create table items (
    id integer primary key,
    instrument varchar not null,
    code varchar not null,
    construct varchar not null,
    text varchar not null,
    label_set varchar not null,
    scale_min double not null,
    scale_max double not null,
    reverse boolean not null,
    unique (instrument, code)
);

create sequence wave_id_seq start 1;
create table waves (
    id integer primary key default nextval('wave_id_seq'),
    label varchar not null unique,
    opened_on date,
    closed_on date
);

create table teams (
    name varchar primary key,
    service varchar,
    directorate varchar
);

create sequence response_id_seq start 1;
create table responses (
    id bigint primary key,
    wave_id integer not null,
    upload_id integer not null,
    respondent_hash varchar,
    submitted_at timestamp,
    team varchar not null,
    service varchar,
    role varchar,
    career_stage varchar,
    ethnicity varchar,
    gender varchar,
    disability varchar,
    age_band varchar
);

create table answers (
    response_id bigint not null,
    item_id integer not null,
    value double
);

-- Which items each survey upload asked, so the half-answered rule counts
-- against the items actually put to respondents.
create table upload_items (
    upload_id integer not null,
    item_id integer not null,
    primary key (upload_id, item_id)
);

-- Per-respondent construct scores, kept at import so pages never re-score
-- millions of answers on a click.
create table construct_scores (
    response_id bigint not null,
    instrument varchar not null,
    construct varchar not null,
    score double not null,
    items_answered integer not null
);

create table staff (
    upload_id integer not null,
    worker_key varchar not null,
    team varchar,
    service varchar,
    role varchar,
    career_stage varchar,
    asye_started_on date,
    started_on date,
    left_on date,
    agency boolean
);

create table supervision_sessions (
    upload_id integer not null,
    worker_key varchar not null,
    supervisor_key varchar,
    team varchar,
    held_on date not null,
    minutes integer,
    kind varchar check (kind in ('reflective', 'case', 'group', 'other')),
    status varchar not null check (status in ('held', 'cancelled', 'rescheduled'))
);

create sequence change_event_id_seq start 1;
create table change_events (
    id integer primary key default nextval('change_event_id_seq'),
    upload_id integer,
    team varchar,
    started_on date not null,
    title varchar not null,
    kind varchar not null check (kind in ('restructure', 'new system', 'manager change', 'policy', 'other'))
);

create table mappings (
    name varchar not null,
    kind varchar not null,
    mapping json not null,
    saved_at timestamp not null default current_timestamp,
    primary key (name, kind)
);

create table settings (
    key varchar primary key,
    value varchar not null
);
