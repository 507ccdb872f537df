-- Every survey wave's label, newest first, for choosing the wave of an upload
-- (including waves whose uploads are all withdrawn).
select label
from waves
order by opened_on desc nulls first, id desc
