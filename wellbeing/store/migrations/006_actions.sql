-- Action plans (issue 21): what HR, leaders and team managers do about a measure,
-- for one team, one service or the whole organisation. Every change is written
-- to the audit log by wellbeing.access.action_plans, which is the only writer.

create sequence action_id_seq start 1;
create table actions (
    id integer primary key default nextval('action_id_seq'),
    scope varchar not null check (scope in ('team', 'service', 'organisation')),
    -- the team's or service's name; null for the organisation
    unit varchar,
    what varchar not null,
    -- the construct code of the default instrument the action is meant to move
    measure varchar not null,
    owner varchar not null,
    started_on date not null,
    review_on date not null,
    status varchar not null check (status in ('planned', 'in progress', 'done', 'stopped')),
    created_by varchar not null,
    -- the sample data's actions, removed with it
    is_demo boolean not null default false,
    created_at timestamp not null default current_timestamp,
    updated_at timestamp not null default current_timestamp,
    check ((scope = 'organisation') = (unit is null)),
    check (review_on >= started_on)
);
