-- Purpose: keep the completion of incomplete rows (20261201120000_complete_incomplete_rows.sql)
-- without making every insert look through the whole table.
-- Tables touched: none of the event tables' columns. New: schema metrics_internal, table
-- metrics_internal.incomplete_rows. Functions replaced: metrics.complete_incomplete_pr_event,
-- metrics.complete_incomplete_deployment_event. New triggers: list_incomplete_rows,
-- unlist_incomplete_rows (both event tables).
--
-- Why: the BEFORE INSERT trigger looked each new row's natural key up in its own table. PL/pgSQL
-- caches that query's plan, and it chose it while the table (or a fresh project's table) was
-- nearly empty: a sequential scan, kept for every later row of the statement. A bulk insert of
-- 10 000 rows then read the growing table 10 000 times: 7 to 17 s instead of 0.05 s.
--
-- The rule of 20261201120000 is unchanged: a row that knows more completes the incomplete row of
-- the same natural key, and its insert is skipped. What changes is where the trigger looks:
--   * metrics_internal.incomplete_rows lists the rows whose metadata.incomplete is set: one
--     entry per row, kept by two triggers that fire only for such rows (their WHEN clauses are
--     checked without calling a function, so a complete row costs nothing there);
--   * the BEFORE INSERT trigger looks the new row's key up in that list, which holds only the
--     rows a failed lookup left incomplete: a handful, never the table. A key not listed is
--     inserted as before (and ignored as a duplicate if it exists).
--
-- The list lives in its own schema, which PostgREST does not expose and no API role can use:
-- only these SECURITY DEFINER functions, owned by the migration's role, read and write it.

create schema metrics_internal;
revoke all on schema metrics_internal from public;

comment on schema metrics_internal is
  'Bookkeeping of the metrics schema''s triggers; not exposed through the API, no grants.';

create table metrics_internal.incomplete_rows (
  table_name   text not null check (table_name in ('pr_events', 'deployment_events')),
  natural_key  jsonb not null,     -- the row's natural key columns, e.g. {"repository": …, "pr_number": …, "event_key": …}
  row_id       bigint not null,    -- the row's id in its table
  primary key (table_name, natural_key)
);

comment on table metrics_internal.incomplete_rows is
  'The metrics rows whose metadata.incomplete is set, by natural key: where the completion trigger looks.';

alter table metrics_internal.incomplete_rows enable row level security;

-- The natural key of a row of either table, as stored in the list.
create function metrics_internal.natural_key(table_name text, row_data jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case table_name
    when 'pr_events' then jsonb_build_object(
      'repository', row_data -> 'repository',
      'pr_number', row_data -> 'pr_number',
      'event_key', row_data -> 'event_key')
    when 'deployment_events' then jsonb_build_object(
      'repository', row_data -> 'repository',
      'deployment_id', row_data -> 'deployment_id',
      'status', row_data -> 'status')
  end;
$$;

-- AFTER INSERT (WHEN the row is incomplete) and AFTER UPDATE OF metadata / DELETE (WHEN it was
-- or is incomplete): keeps the list equal to the rows whose metadata.incomplete is set.
create function metrics_internal.sync_incomplete_rows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    delete from metrics_internal.incomplete_rows
     where table_name = tg_table_name
       and natural_key = metrics_internal.natural_key(tg_table_name, to_jsonb(old));
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.metadata ? 'incomplete' then
    insert into metrics_internal.incomplete_rows (table_name, natural_key, row_id)
    values (tg_table_name, metrics_internal.natural_key(tg_table_name, to_jsonb(new)), new.id)
    on conflict (table_name, natural_key) do update set row_id = excluded.row_id;
  end if;
  return null;
end;
$$;

create trigger list_incomplete_rows
  after insert on metrics.pr_events
  for each row when (new.metadata ? 'incomplete')
  execute function metrics_internal.sync_incomplete_rows();
create trigger unlist_incomplete_rows
  after update of metadata or delete on metrics.pr_events
  for each row when (old.metadata ? 'incomplete')
  execute function metrics_internal.sync_incomplete_rows();

create trigger list_incomplete_rows
  after insert on metrics.deployment_events
  for each row when (new.metadata ? 'incomplete')
  execute function metrics_internal.sync_incomplete_rows();
create trigger unlist_incomplete_rows
  after update of metadata or delete on metrics.deployment_events
  for each row when (old.metadata ? 'incomplete')
  execute function metrics_internal.sync_incomplete_rows();

-- The rows already incomplete when this migration runs.
insert into metrics_internal.incomplete_rows (table_name, natural_key, row_id)
select 'pr_events', metrics_internal.natural_key('pr_events', to_jsonb(p)), p.id
  from metrics.pr_events p
 where p.metadata ? 'incomplete'
union all
select 'deployment_events', metrics_internal.natural_key('deployment_events', to_jsonb(d)), d.id
  from metrics.deployment_events d
 where d.metadata ? 'incomplete';

-- The completion triggers, looking in the list instead of the table. Same rule, same result.
create or replace function metrics.complete_incomplete_pr_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  listed bigint;
  existing_metadata jsonb;
begin
  select row_id into listed
    from metrics_internal.incomplete_rows
   where table_name = 'pr_events'
     and natural_key = jsonb_build_object(
           'repository', new.repository, 'pr_number', new.pr_number, 'event_key', new.event_key);
  if not found then
    return new;
  end if;
  select metadata into existing_metadata
    from metrics.pr_events
   where id = listed
     for update;
  if not found or not metrics.knows_more(existing_metadata, new.metadata) then
    return new;
  end if;
  update metrics.pr_events
     set metadata = (existing_metadata - 'incomplete') || new.metadata
   where id = listed;
  return null;
end;
$$;

create or replace function metrics.complete_incomplete_deployment_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  listed bigint;
  existing_metadata jsonb;
begin
  select row_id into listed
    from metrics_internal.incomplete_rows
   where table_name = 'deployment_events'
     and natural_key = jsonb_build_object(
           'repository', new.repository, 'deployment_id', new.deployment_id, 'status', new.status);
  if not found then
    return new;
  end if;
  select metadata into existing_metadata
    from metrics.deployment_events
   where id = listed
     for update;
  if not found or not metrics.knows_more(existing_metadata, new.metadata) then
    return new;
  end if;
  update metrics.deployment_events
     set kind = new.kind,
         metadata = (existing_metadata - 'incomplete') || new.metadata
   where id = listed;
  return null;
end;
$$;
