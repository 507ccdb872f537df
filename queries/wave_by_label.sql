-- Find or create a wave by label, widening its dates to cover new responses.
--
-- $label      the wave's label, e.g. 'Autumn 2026'
-- $opened_on  earliest submission date among new responses (may be null)
-- $closed_on  latest submission date among new responses (may be null)
insert into waves (label, opened_on, closed_on)
values ($label, $opened_on, $closed_on)
on conflict (label) do update set
    opened_on = least(waves.opened_on, excluded.opened_on),
    closed_on = greatest(waves.closed_on, excluded.closed_on)
returning id
