-- Let go of verdicts a wave is unlikely to return to: only its most recently
-- decided versions are kept (a withdrawal undone by a restore returns to one).
--
-- $wave_id  the wave
-- $kept     how many versions to keep
delete from wave_verdicts
where wave_id = $wave_id
    and version not in (
        select version
        from wave_verdicts
        where wave_id = $wave_id
        group by version
        order by max(decided_at) desc, version
        limit $kept
    )
