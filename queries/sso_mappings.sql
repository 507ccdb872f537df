-- Every single sign-on mapping from an identity claim to a role.
select
    claim,
    value,
    role,
    teams,
    created_at,
    created_by,
from sso_mappings
order by claim, value
