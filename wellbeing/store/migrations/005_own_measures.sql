-- Measures HR owns, and how each question of a survey upload was read (issue 16).
--
-- HR's own measures are ordinary constructs of the survey's instrument (rows in
-- constructs, scores in construct_scores), so every figure, and the confidentiality
-- engine, treats them as it treats the built-in ones. This table keeps every
-- version of what HR said about one: its name, description, which way is better
-- and its "high" cut-off; the highest version is the one in force.
create table measure_versions (
    instrument varchar not null,
    construct varchar not null,
    version integer not null,
    name varchar not null,
    description varchar,
    higher_is_better boolean not null,
    high_cutoff double not null,
    single_question boolean not null default false,
    defined_by varchar not null,
    defined_at timestamp not null default current_timestamp,
    primary key (instrument, construct, version)
);

create view measure_current as
select *
from measure_versions
qualify row_number() over (partition by instrument, construct order by version desc) = 1;

-- Each question a survey upload asked, as it was read: the column, the answer
-- scale detected or chosen (rescaled onto the measure's range by the rule in
-- wellbeing/core/scales.py), whether it was reverse keyed, and the version of
-- its measure in force at the import. With upload_items, the questions of each
-- measure in each wave: a change between waves is a break in its trend.
create table upload_questions (
    upload_id integer not null,
    item_id integer not null,
    column_name varchar not null,
    answer_scale varchar not null,
    scale_low double not null,
    scale_high double not null,
    reverse boolean not null,
    measure_version integer,
    primary key (upload_id, item_id)
);

-- Earlier answers replaced by a later upload of the same respondents (a
-- correction HR chose). The replaced responses leave every figure; this keeps
-- what was replaced, by which upload, when and by whom.
create table replaced_responses (
    response_id bigint primary key,
    wave_id integer not null,
    upload_id integer not null,
    respondent_hash varchar not null,
    replaced_by_upload integer not null,
    replaced_by varchar not null,
    replaced_at timestamp not null default current_timestamp
);
