-- Accounts, single sign-on role mapping, sign-in attempts and the audit log (issue 7).
-- Passwords are stored only as argon2 hashes (the hash carries its own salt).

create sequence account_id_seq start 1;
create table accounts (
    id integer primary key default nextval('account_id_seq'),
    username varchar not null unique,
    display_name varchar not null,
    role varchar not null check (role in ('hr_admin', 'leader', 'team_manager')),
    -- Team names a team manager may see; empty for other roles.
    teams varchar[] not null default [],
    password_hash varchar not null,
    active boolean not null default true,
    created_at timestamp not null default current_timestamp,
    created_by varchar not null,
    password_changed_at timestamp not null default current_timestamp
);

-- Single sign-on: an identity claim (an email address or a group id from the
-- provider's token) grants a role. HR manages these rows in the app.
create table sso_mappings (
    claim varchar not null check (claim in ('email', 'group')),
    value varchar not null,
    role varchar not null check (role in ('hr_admin', 'leader', 'team_manager')),
    teams varchar[] not null default [],
    created_at timestamp not null default current_timestamp,
    created_by varchar not null,
    primary key (claim, value)
);

-- Every sign-in attempt with a password, for throttling: the account name as
-- typed (whether or not it exists) and the client address.
create table sign_in_attempts (
    username varchar not null,
    client varchar not null,
    attempted_at timestamp not null,
    succeeded boolean not null
);

create sequence audit_id_seq start 1;
create table audit_log (
    id bigint primary key default nextval('audit_id_seq'),
    happened_at timestamp not null,
    username varchar not null,
    action varchar not null,
    detail varchar not null
);
