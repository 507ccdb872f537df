-- Give a wave the service of each of its teams not yet recorded for it, as the
-- hierarchy has it now (inside the import's transaction). A team's service in a
-- wave never changes afterwards: a later staff list that moves the team
-- regroups later waves only.
--
-- $wave_id  the wave just imported into
insert into wave_teams (wave_id, team, service)
select
    r.wave_id,
    r.team,
    any_value(coalesce(t.service, r.service)) as service,
from responses as r
left join teams as t on t.name = r.team
where r.wave_id = $wave_id
    and not exists (
        select 1 from wave_teams as w where w.wave_id = r.wave_id and w.team = r.team
    )
group by r.wave_id, r.team
