-- Purpose: the keys of `reopened`, `ready_for_review`, `converted_to_draft` and `synchronize`
-- rows as both a live capture and a backfill from the GitHub API can build them.
-- Tables touched: metrics.pr_events (event_key of those four event types; duplicates deleted).
--
-- A webhook payload tells when these happened only as the PR's `updated_at`; the API's timeline
-- tells the event's own `createdAt`, which may differ by a second. `synchronize` is not in the
-- timeline at all; its head sha after the push is what both can know (a backfill: force pushes).
-- From now on (src/convert/pull_request.rs, `event_key`):
--   '<event_type>@<YYYY-MM-DD"T"HH24:MI"Z">'  reopened, ready_for_review, converted_to_draft
--                                              (the event's minute, UTC)
--   'synchronize:<after sha>'                  synchronize (metadata.after), else the minute form
-- Keys of opened, closed, merged and reviews are unchanged.
--
-- Rows written before keep their old key ('<event_type>@<RFC 3339 seconds>') unless rewritten:
-- a backfill would then add a second row for the same event. This rewrites them. Only keys in
-- the old seconds form are touched, so the migration can run twice.

-- DESTRUCTIVE: two old rows that now share a key (the same toggle twice within one minute, or
-- the same head sha synchronized twice) are one row under the new key; the earliest is kept.
with rekeyed as (
  select id, repository, pr_number,
         case
           when event_type = 'synchronize' and coalesce(metadata->>'after', '') <> ''
             then 'synchronize:' || (metadata->>'after')
           else event_type || '@' ||
                to_char(date_trunc('minute', event_timestamp at time zone 'UTC'),
                        'YYYY-MM-DD"T"HH24:MI"Z"')
         end as new_key
    from metrics.pr_events
   where event_type in ('reopened', 'ready_for_review', 'converted_to_draft', 'synchronize')
     and event_key ~ '@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
), ranked as (
  select r.id, r.new_key,
         row_number() over (partition by r.repository, r.pr_number, r.new_key order by r.id) as nth,
         exists (select 1 from metrics.pr_events e
                  where e.repository = r.repository and e.pr_number = r.pr_number
                    and e.event_key = r.new_key) as taken
    from rekeyed r
)
delete from metrics.pr_events p
 using ranked r
 where p.id = r.id and (r.nth > 1 or r.taken);

update metrics.pr_events
   set event_key = case
         when event_type = 'synchronize' and coalesce(metadata->>'after', '') <> ''
           then 'synchronize:' || (metadata->>'after')
         else event_type || '@' ||
              to_char(date_trunc('minute', event_timestamp at time zone 'UTC'),
                      'YYYY-MM-DD"T"HH24:MI"Z"')
       end
 where event_type in ('reopened', 'ready_for_review', 'converted_to_draft', 'synchronize')
   and event_key ~ '@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$';

comment on column metrics.pr_events.event_key is
  'The event''s natural key: <type>@<RFC 3339 seconds> (opened, closed, merged), '
  '<type>@<YYYY-MM-DDTHH:MMZ> (reopened, ready_for_review, converted_to_draft), '
  'synchronize:<after sha>, review:<review id>:<type>. The same from a live capture and a backfill.';
