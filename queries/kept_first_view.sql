-- The figures first runs of the default page drew for this code and data version,
-- one row per reader (queries/first_view.py).
--
-- $code          the digest of the dashboard's code and libraries
-- $data_version  the data version now (JSON)
select reader, figures, frames,
from kept_first_view
where code = $code and data_version = $data_version
order by reader
