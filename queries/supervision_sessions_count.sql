-- How many supervision sessions the active uploads hold: what working out the
-- supervision months will take of the server's memory.
select count(*),
from active_supervision_sessions
