-- Each attribute's values among one wave's respondents, for the confidentiality engine
-- (never shown): the values the finest groups of wave_groups.sql hold, so that a
-- decision made from the units' groups alone (wave_groups.sql with $breakdowns false)
-- codes its cells as one made from the finest groups. The same respondents and the same
-- values as wave_groups.sql's: the attributes as stored, a blank one 'Not stated'.
--
-- $wave_id  the wave
-- $uploads  its survey uploads to include (a list of ids)
with people as (
    select
        coalesce(w.service, r.service) as service,
        r.team,
        coalesce(r.role, 'Not stated') as role,
        coalesce(r.career_stage, 'Not stated') as career_stage,
        coalesce(r.ethnicity, 'Not stated') as ethnicity,
        coalesce(r.gender, 'Not stated') as gender,
        coalesce(r.disability, 'Not stated') as disability,
        coalesce(r.age_band, 'Not stated') as age_band,
    from responses as r
    left join wave_teams as w on w.wave_id = r.wave_id and w.team = r.team
    where r.wave_id = $wave_id and list_contains($uploads, r.upload_id)
)

-- One row per attribute and value; a missing service or team is a null value.
select distinct attribute, value,
from people unpivot include nulls (
    value for attribute in (
        service, team, role, career_stage, ethnicity, gender, disability, age_band
    )
)
