-- Remove a single sign-on grant.
--
-- $claim  'email' or 'group'
-- $value  the address or group id
delete from sso_mappings
where claim = $claim and value = $value
