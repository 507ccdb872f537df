-- One line of the audit log.
--
-- $happened_at  when (UTC)
-- $username     who
-- $action       what kind of thing (sign_in, import, withdraw, download...)
-- $detail       what exactly, in words
insert into audit_log (happened_at, username, action, detail)
values ($happened_at, $username, $action, $detail)
