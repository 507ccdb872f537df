-- Record one action plan.
--
-- $scope       'team', 'service' or 'organisation'
-- $unit        the team's or service's name; null for the organisation
-- $what        what is being done, in the planner's words
-- $measure     the construct code it is meant to move
-- $owner       who answers for it
-- $started_on  when it started (or starts)
-- $review_on   when it is to be reviewed
-- $status      'planned', 'in progress', 'done' or 'stopped'
-- $created_by  who recorded it, as the audit log names them
-- $is_demo     true for the sample data's actions (removed with it)
insert into actions (
    scope, unit, what, measure, owner, started_on, review_on, status, created_by, is_demo
)
values (
    $scope, $unit, $what, $measure, $owner, $started_on, $review_on, $status, $created_by,
    $is_demo
)
returning id
