-- Remove every row that came from the bundled sample data, and remember that
-- HR removed it so it is not loaded again. Runs inside the caller's transaction.
create or replace temporary table demo_uploads as
select id from uploads where is_demo;

delete from construct_scores
where response_id in (select id from responses where upload_id in (select id from demo_uploads));

delete from answers
where response_id in (select id from responses where upload_id in (select id from demo_uploads));

delete from responses where upload_id in (select id from demo_uploads);
delete from upload_items where upload_id in (select id from demo_uploads);
delete from upload_rejects where upload_id in (select id from demo_uploads);
delete from staff where upload_id in (select id from demo_uploads);
delete from supervision_sessions where upload_id in (select id from demo_uploads);
delete from change_events where upload_id in (select id from demo_uploads);
delete from waves where id not in (select wave_id from responses);
delete from wave_teams where wave_id not in (select id from waves);
delete from wave_publications where wave_id not in (select id from waves);

delete from teams
where name not in (select team from responses)
    and name not in (select team from staff where team is not null)
    and name not in (select team from supervision_sessions where team is not null);

delete from uploads where id in (select id from demo_uploads);
insert or replace into settings (key, value) values ('demo_removed', 'yes');
drop table demo_uploads;
