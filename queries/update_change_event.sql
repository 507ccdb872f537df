-- Correct one change event (entered by hand or imported).
--
-- $id          the event
-- $team        the team, or null for organisation-wide
-- $started_on  when the change started
-- $title       what changed
-- $kind        restructure, new system, manager change, policy or other
update change_events
set team = $team, started_on = $started_on, title = $title, kind = $kind
where id = $id
returning id
