-- The council's own questions already stored (items from the first council item id).
--
-- $first_id  wellbeing.core.instruments.COUNCIL_ITEM_ID_START
select
    id,
    code,
    construct,
    text,
    label_set,
    scale_min,
    scale_max,
    reverse,
from items
where id >= $first_id
order by id
