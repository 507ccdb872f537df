-- Issue 18. Identifiers become keyed hashes whose keys live outside the database
-- (wellbeing/store/keys.py): this table holds a fingerprint of the newest key of
-- each kind, so a missing or wrong key file is noticed. The re-keying of the
-- stored hashes and the removal of the old 'identifier_salt' setting need the key,
-- so they run in Python right after this file (keys.settle, same start-up).
create table identifier_keys (
    domain varchar primary key check (domain in ('worker', 'respondent')),
    fingerprint varchar not null,
    keys_in_chain integer not null
);

-- The audit log becomes a hash chain (wellbeing/access/audit_log.py): each entry's
-- hash covers the entry and the hash before it, keyed with the audit key from the
-- key file, so an edited, removed or inserted entry breaks the chain. Entries
-- made before this migration are chained on the next start, in id order.
alter table audit_log add column entry_hash varchar;
