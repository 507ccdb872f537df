-- The anonymity thresholds HR has set: one row for each that is set
-- (wellbeing.privacy.Rules supplies the default of any that is not).
select key, value
from settings
where key in ('min_group_size', 'sensitive_min_group_size', 'alike_group_size')
