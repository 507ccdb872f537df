-- Let go of first views no restart will read: those of another data version or
-- of another build of the dashboard.
--
-- $code          the digest of the dashboard's code and libraries
-- $data_version  the data version now (JSON)
delete from kept_first_view
where code <> $code or data_version <> $data_version
