-- Change what an account may see.
--
-- $account_id  accounts.id
-- $role        hr_admin, leader or team_manager
-- $teams       team names a team manager may see (empty list otherwise)
update accounts
set role = $role, teams = $teams
where id = $account_id
