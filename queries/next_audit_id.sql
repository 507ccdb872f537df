-- The number the next audit entry gets: its hash covers its number.
select nextval('audit_id_seq') as id
