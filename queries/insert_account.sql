-- A new built-in account.
--
-- $username       unique sign-in name
-- $display_name   the person's name as shown in the app
-- $role           hr_admin, leader or team_manager
-- $teams          team names a team manager may see (empty list otherwise)
-- $password_hash  argon2 hash; the password itself is never stored
-- $created_by     who created it
-- $created_at     when
insert into accounts (
    username, display_name, role, teams, password_hash, created_by, created_at, password_changed_at
)
values (
    $username, $display_name, $role, $teams, $password_hash, $created_by, $created_at, $created_at
)
returning id
