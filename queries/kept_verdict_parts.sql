-- Which parts of a version of a wave the store keeps verdicts for, without
-- reading them: 'plain', and 'whole' once the sensitive breakdowns are decided.
--
-- $version  the digest of the wave's version and the engine (queries/decisions.py)
select part,
from wave_verdicts
where version = $version
