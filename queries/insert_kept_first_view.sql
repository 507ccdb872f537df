-- Keep the figures a first run of the default page drew (queries/first_view.py);
-- a version kept already (another session, another process) stays as it is.
--
-- $code          the digest of the dashboard's code and libraries
-- $data_version  the data version they were worked out for (JSON)
-- $reader        whose figures they are (JSON)
-- $figures       the figures (JSON, wellbeing/store/kept_values.py)
-- $frames        their frames' Arrow streams
insert into kept_first_view (code, data_version, reader, figures, frames)
values ($code, $data_version, $reader, $figures, $frames)
on conflict do nothing
