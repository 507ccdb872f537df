-- Each attribute's values among one wave's respondents now, for the confidentiality
-- engine (never shown): the values the finest groups of wave_groups.sql hold for a wave
-- readers were shown no earlier version of (its active uploads alone), so that a
-- decision made from the units' groups alone (wave_groups.sql with $breakdowns false)
-- codes its cells as one made from the finest groups. Read from active_responses,
-- which states each attribute as wave_groups.sql does (a blank one 'Not stated').
--
-- $wave_id  the wave
select distinct attribute, value,
from (
    select service, team, role, career_stage, ethnicity, gender, disability, age_band,
    from active_responses
    where wave_id = $wave_id
) unpivot include nulls (
    value for attribute in (
        service, team, role, career_stage, ethnicity, gender, disability, age_band
    )
)
