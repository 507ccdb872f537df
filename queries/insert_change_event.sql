-- Add one change event entered on the change log page (no upload).
--
-- $team        the team, or null for organisation-wide
-- $started_on  when the change started
-- $title       what changed
-- $kind        restructure, new system, manager change, policy or other
insert into change_events (upload_id, team, started_on, title, kind)
values (null, $team, $started_on, $title, $kind)
returning id
