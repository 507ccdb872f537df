-- One installation setting's value, or no row when it is not set.
--
-- $key  the setting's name, e.g. 'max_upload_mb'
select value
from settings
where key = $key
