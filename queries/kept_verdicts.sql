-- The verdicts kept for one version of a wave, as far as a level: its units'
-- part, its plain part (the units with their role and career-stage breakdowns)
-- and its sensitive breakdowns ('whole'), each once decided. No rows: not
-- decided yet. A page with no role or stage filter reads the units' part alone,
-- not the whole's hundreds of thousands of cells.
--
-- $version  the digest of the wave's version and the engine (queries/decisions.py)
-- $parts    the parts wanted ('units', 'plain', 'whole')
select part, description, payload,
from wave_verdicts
where version = $version and list_contains($parts, part)
