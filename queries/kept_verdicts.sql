-- The verdicts kept for one version of a wave: its plain part and, when
-- decided, its sensitive breakdowns ('whole'). No rows: not decided yet.
--
-- $version  the digest of the wave's version and the engine (queries/decisions.py)
select part, description, payload,
from wave_verdicts
where version = $version
