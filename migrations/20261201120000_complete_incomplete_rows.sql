-- Purpose: a row whose facts a failed lookup could not give is completed by a later run or a
-- backfill, instead of being frozen by "first row wins".
-- Tables touched: metrics.pr_events, metrics.deployment_events (a BEFORE INSERT trigger each;
-- no column changes). Functions: metrics.knows_more, metrics.complete_incomplete_pr_event,
-- metrics.complete_incomplete_deployment_event.
--
-- Writes are inserts that ignore duplicates of the natural key, so the first row written for a
-- key stays. When devmetrics cannot look something up (the GitHub API fails on a merged pull
-- request's stages; the deployment history cannot be read to tell a rollback or a redeploy),
-- it still writes the row with what it knows, and lists what is missing in
-- metadata.incomplete: ["stages"] on a merged pr_events row, ["kind"] on a deployment_events row.
--
-- The rule, before a row is inserted, when a row with the same natural key exists:
--   1. the existing row is complete (no metadata.incomplete): nothing happens here; the insert
--      goes on, meets the unique constraint and is ignored as a duplicate, as always;
--   2. the existing row is incomplete and the new row knows more (its metadata.incomplete is
--      absent, or lists strictly fewer facts): the existing row takes the new row's facts and
--      the insert is skipped (the trigger returns null), so the key still has one row;
--   3. otherwise (the new row knows no more): the insert goes on and is ignored as a duplicate.
-- The facts taken are the looked-up ones: metadata on pr_events (the stage timestamps), kind
-- and metadata on deployment_events. Every other column comes from the event itself and is the
-- same in both rows. The existing row keeps its id and recorded_at; keys only it had in
-- metadata stay, keys of the new row win, and metadata.incomplete becomes the new row's.
--
-- A BEFORE INSERT trigger runs before the ON CONFLICT check, so writers keep
-- `on_conflict=<natural key>` with `Prefer: resolution=ignore-duplicates` unchanged. A
-- completion is not an inserted row: PostgREST does not return it.

-- True when new_metadata lists strictly fewer missing facts than old_metadata, which lists some;
-- false otherwise, never null (a complete old row is never overwritten).
create function metrics.knows_more(old_metadata jsonb, new_metadata jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select case
    when jsonb_typeof(old_metadata -> 'incomplete') is distinct from 'array' then false
    when jsonb_array_length(old_metadata -> 'incomplete') = 0 then false
    else (old_metadata -> 'incomplete') @> coalesce(new_metadata -> 'incomplete', '[]'::jsonb)
         and not coalesce(new_metadata -> 'incomplete', '[]'::jsonb) @> (old_metadata -> 'incomplete')
  end;
$$;

comment on function metrics.knows_more(jsonb, jsonb) is
  'True when new_metadata.incomplete lists strictly fewer facts than a non-empty old_metadata.incomplete.';

create function metrics.complete_incomplete_pr_event()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  existing metrics.pr_events%rowtype;
begin
  select * into existing
    from metrics.pr_events
   where repository = new.repository
     and pr_number = new.pr_number
     and event_key = new.event_key
     for update;
  if not found or not metrics.knows_more(existing.metadata, new.metadata) then
    return new;
  end if;
  update metrics.pr_events
     set metadata = (existing.metadata - 'incomplete') || new.metadata
   where id = existing.id;
  return null;
end;
$$;

comment on function metrics.complete_incomplete_pr_event() is
  'BEFORE INSERT on metrics.pr_events: completes an incomplete row of the same natural key from a row that knows more, and skips the insert.';

create trigger complete_incomplete_rows
  before insert on metrics.pr_events
  for each row execute function metrics.complete_incomplete_pr_event();

create function metrics.complete_incomplete_deployment_event()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  existing metrics.deployment_events%rowtype;
begin
  select * into existing
    from metrics.deployment_events
   where repository = new.repository
     and deployment_id = new.deployment_id
     and status = new.status
     for update;
  if not found or not metrics.knows_more(existing.metadata, new.metadata) then
    return new;
  end if;
  update metrics.deployment_events
     set kind = new.kind,
         metadata = (existing.metadata - 'incomplete') || new.metadata
   where id = existing.id;
  return null;
end;
$$;

comment on function metrics.complete_incomplete_deployment_event() is
  'BEFORE INSERT on metrics.deployment_events: completes an incomplete row of the same natural key from a row that knows more, and skips the insert.';

create trigger complete_incomplete_rows
  before insert on metrics.deployment_events
  for each row execute function metrics.complete_incomplete_deployment_event();

-- The triggers run as the writer (service_role), which calls knows_more; functions in metrics
-- are not executable by default (see grant_metrics_api_access).
grant execute on function metrics.knows_more(jsonb, jsonb) to service_role;
