-- Store an installation setting.
--
-- $key    the setting's name
-- $value  its value as text
insert or replace into settings (key, value)
values ($key, $value)
