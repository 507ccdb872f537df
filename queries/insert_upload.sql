-- Record an upload and return its id.
--
-- $kind, $file_name, $sha256, $uploaded_by  what was uploaded, by whom
-- $rows_read, $rows_stored, $rows_rejected  the import's counts
-- $wave_id       the wave (survey uploads), else null
-- $mapping_name  the saved mapping used, if any
-- $data_date     the date the export describes (staff lists), else null
-- $is_demo       true for the bundled sample data
insert into uploads (
    kind, file_name, sha256, uploaded_by, rows_read, rows_stored, rows_rejected,
    wave_id, mapping_name, data_date, is_demo
)
values (
    $kind, $file_name, $sha256, $uploaded_by, $rows_read, $rows_stored, $rows_rejected,
    $wave_id, $mapping_name, $data_date, $is_demo
)
returning id
