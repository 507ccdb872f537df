-- Each respondent's score on each measure in one wave, for the drivers only
-- (queries.drivers): these individual rows never leave the query layer; the
-- drivers function hands out only importances worked out over a whole scope.
-- The team joins each respondent to the team's supervision compliance.
--
-- $wave_id   the wave
-- $service   one service, or null for the whole organisation
-- $measures  the construct codes of the default instrument wanted (a list)
select
    r.id as response_id,
    r.team,
    s.construct,
    s.score,
from active_responses as r
join reported_scores as s
    on s.response_id = r.id
    and s.instrument = 'default'
    and list_contains($measures, s.construct)
where r.wave_id = $wave_id
    and ($service is null or r.service = $service)
order by r.id, s.construct
