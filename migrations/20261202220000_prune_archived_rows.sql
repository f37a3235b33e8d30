-- Purpose: retention. Rows older than the kept history (2 years by default) are archived by
-- `devmetrics prune` to gzip JSONL files, read back and checked, and only then deleted here.
-- Tables touched: rows of metrics.pr_events, deployment_events, push_events, test_runs,
-- test_case_results, rule_compliance_events and (when asked) development_metrics are DELETED
-- by the function; no DDL.
-- Functions added: metrics.prune_archived_rows(p_table text, p_repository text,
--   p_before timestamptz, p_rows jsonb, p_expected_count bigint).
--
-- What it does: deletes the rows of one table and repository that `devmetrics prune` archived
-- and verified. p_rows is a JSON array of the rows as read back from the archive file (every
-- column, id included). A row is deleted only when the stored row still equals its archived
-- copy, column by column (compared as typed values through jsonb_populate_record, so the time
-- zone of a timestamp's text does not matter), and its event time is before p_before (the
-- cut-off). So a row that arrived after the archive was written (a late backfill older than the
-- cut-off) is never deleted unarchived: it stays for the next run; and neither is a row changed
-- in place since it was archived (complete_incomplete_rows). It refuses, raising and deleting
-- nothing (one statement in the request's one transaction), when
--   - the table is not one of the metrics tables above (or an argument is null),
--   - p_rows does not hold exactly p_expected_count rows with distinct ids (the archive's
--     count),
--   - the rows that match would not be exactly p_expected_count: an archived row is gone,
--     changed, or no longer older than the cut-off (then the archive and the database
--     disagree: nothing is deleted and the run says so).
-- Returns how many rows it deleted (= p_expected_count).
-- Called by `devmetrics prune` through PostgREST:
--   POST /rest/v1/rpc/prune_archived_rows, Content-Profile: metrics,
--   {"p_table": "test_runs", "p_repository": "owner/repo", "p_before": "…Z",
--    "p_rows": [{"id": 1, …}, …], "p_expected_count": 2}
-- Security invoker, executable by service_role only: anon and authenticated cannot run it
-- (and could not delete anyway: they have no delete privilege).
--
-- The event time of each table (the column its (repository, time) index is on):
--   pr_events, deployment_events, rule_compliance_events  event_timestamp
--   test_runs, test_case_results                           run_timestamp
--   push_events                                            pushed_at
--   development_metrics                                    metric_date (a UTC day)

-- DESTRUCTIVE: deletes rows. Only rows equal to their archived copy, older than p_before, and
-- only all of them.
create or replace function metrics.prune_archived_rows(
  p_table text,
  p_repository text,
  p_before timestamptz,
  p_rows jsonb,
  p_expected_count bigint
)
returns bigint
language plpgsql
security invoker
set search_path = ''
set timezone = 'UTC'
as $$
declare
  v_time_column text;
  v_given bigint;
  v_distinct bigint;
  v_deleted bigint;
begin
  v_time_column := case p_table
    when 'pr_events' then 'event_timestamp'
    when 'deployment_events' then 'event_timestamp'
    when 'rule_compliance_events' then 'event_timestamp'
    when 'test_runs' then 'run_timestamp'
    when 'test_case_results' then 'run_timestamp'
    when 'push_events' then 'pushed_at'
    when 'development_metrics' then 'metric_date'
  end;
  if v_time_column is null then
    raise exception 'metrics.prune_archived_rows: % is not a metrics table with an event time', p_table
      using errcode = '22023';
  end if;
  if p_before is null or p_repository is null or p_expected_count is null
     or jsonb_typeof(p_rows) is distinct from 'array' then
    raise exception 'metrics.prune_archived_rows: p_repository, p_before, p_rows (an array) and p_expected_count are required'
      using errcode = '22004';
  end if;
  select count(*), count(distinct a.value->>'id')
    into v_given, v_distinct
    from jsonb_array_elements(p_rows) as a;
  if v_given <> p_expected_count or v_distinct <> v_given then
    raise exception 'metrics.prune_archived_rows: % row(s) given (% distinct ids) for an archive of % row(s); nothing deleted',
      v_given, v_distinct, p_expected_count
      using errcode = '22023';
  end if;

  -- The cut-off compares in UTC (set above), also for the date column. A stored row matches
  -- its archived copy when every column is equal (nulls equal).
  execute format(
    'delete from metrics.%1$I t
       using jsonb_array_elements($3) as a
      where t.id = (a.value->>''id'')::bigint
        and t.repository = $1
        and t.%2$I < $2
        and t is not distinct from jsonb_populate_record(null::metrics.%1$I, a.value)',
    p_table, v_time_column
  ) using p_repository, p_before, p_rows;
  get diagnostics v_deleted = row_count;

  if v_deleted <> p_expected_count then
    -- Raising undoes the delete above: nothing of this table and file is deleted.
    raise exception 'metrics.prune_archived_rows: % of the % archived row(s) of metrics.% are still there, unchanged and older than the cut-off; nothing deleted',
      v_deleted, p_expected_count, p_table
      using errcode = 'P0001',
            hint = 'the archive and the database disagree: run devmetrics prune again to archive afresh';
  end if;
  return v_deleted;
end;
$$;

comment on function metrics.prune_archived_rows(text, text, timestamptz, jsonb, bigint) is
  'Deletes the rows of one table and repository that devmetrics prune archived and verified (each equal to its archived copy in p_rows, older than p_before); refuses and deletes nothing unless exactly p_expected_count rows match. service_role only.';

revoke execute on function metrics.prune_archived_rows(text, text, timestamptz, jsonb, bigint) from public, anon, authenticated;
grant execute on function metrics.prune_archived_rows(text, text, timestamptz, jsonb, bigint) to service_role;
