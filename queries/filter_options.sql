-- The values a reader can filter one wave's survey figures by: only those that
-- at least $min_respondents respondents of the wave hold, so that a value
-- listed because one person chose it cannot show that they took part.
-- Names only, never counts.
--
-- $field            one of 'team', 'service', 'role', 'career_stage'
-- $wave_id          the wave chosen
-- $service          for teams: only this service's (null: every team)
-- $min_respondents  the minimum group size in force
select value,
from (
    select
        case $field
            when 'team' then r.team
            when 'service' then r.service
            when 'role' then r.role
            when 'career_stage' then r.career_stage
        end as value,
    from active_responses as r
    where r.wave_id = $wave_id
        and ($service is null or r.service = $service)
)
where value is not null
group by value
having count(*) >= $min_respondents
order by value
