-- Change one action plan (no row returned when there is no such action).
--
-- $id and the fields of insert_action.sql but $created_by; $updated_at is now
update actions
set
    scope = $scope,
    unit = $unit,
    what = $what,
    measure = $measure,
    owner = $owner,
    started_on = $started_on,
    review_on = $review_on,
    status = $status,
    updated_at = $updated_at,
where id = $id
returning id
