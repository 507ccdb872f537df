-- One line of the audit log.
--
-- $happened_at  when (UTC)
-- $username     who
-- $action       what kind of thing (sign_in, import, withdraw, download...)
-- $detail       what exactly, in words
-- $id           the entry's number, taken from audit_id_seq first (its hash covers it)
-- $entry_hash   the hash chaining it to the entry before (wellbeing.store.audit_chain)
insert into audit_log (id, happened_at, username, action, detail, entry_hash)
values ($id, $happened_at, $username, $action, $detail, $entry_hash)
