-- Which parts of a version of a wave the store keeps verdicts for, without
-- reading them: 'units', 'plain' and 'whole', each once decided.
--
-- $version  the digest of the wave's version and the engine (queries/decisions.py)
select part,
from wave_verdicts
where version = $version
