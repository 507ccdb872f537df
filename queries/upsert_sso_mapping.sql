-- Grant a role to a single sign-on identity (replacing an earlier grant for it).
--
-- $claim       'email' (the signed-in address) or 'group' (a group id in the token)
-- $value       the address or group id, lower-cased
-- $role        hr_admin, leader or team_manager
-- $teams       team names a team manager may see (empty list otherwise)
-- $created_by  who granted it
-- $created_at  when
insert or replace into sso_mappings (claim, value, role, teams, created_by, created_at)
values ($claim, $value, $role, $teams, $created_by, $created_at)
