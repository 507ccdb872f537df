-- The values a leader can filter survey figures by, from active uploads.
-- Names only, never counts: the existence of a team is not confidential.
--
-- $field  one of 'team', 'service', 'role', 'career_stage'
select distinct
    case $field
        when 'team' then r.team
        when 'service' then coalesce(t.service, r.service)
        when 'role' then r.role
        when 'career_stage' then r.career_stage
    end as value,
from responses as r
join uploads as u on u.id = r.upload_id and u.status = 'active'
left join teams as t on t.name = r.team
where value is not null
order by value
