-- Every change event for HR's change log page, newest first: where it came
-- from (a change-log upload, or entered on the page) and whether its upload
-- is withdrawn (then it is hidden from every figure).
select
    e.id,
    e.started_on,
    coalesce(e.team, 'Organisation-wide') as team,
    e.title,
    e.kind,
    case when e.upload_id is null then 'Entered on this page' else u.file_name end as source,
    coalesce(u.status = 'withdrawn', false) as withdrawn,
from change_events as e
left join uploads as u on u.id = e.upload_id
order by e.started_on desc, e.id desc
