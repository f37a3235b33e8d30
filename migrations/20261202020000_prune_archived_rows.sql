-- Purpose: retention. Rows older than the kept history (2 years by default) are archived by
-- `devmetrics prune` to gzip JSONL files, read back and checked, and only then deleted here.
-- Tables touched: rows of metrics.pr_events, deployment_events, push_events, test_runs,
-- test_case_results, rule_compliance_events and (when asked) development_metrics are DELETED
-- by the function; no DDL.
-- Functions added: metrics.prune_archived_rows(p_table text, p_repository text,
--   p_before timestamptz, p_ids bigint[], p_expected_count bigint).
--
-- What it does: deletes the rows of one table and repository whose ids `devmetrics prune`
-- archived and verified (p_ids: the ids read back from the archive file, not from the database)
-- and whose event time is still before p_before (the cut-off). It deletes by those ids only, so
-- a row that arrived after the archive was written (a late backfill older than the cut-off) is
-- never deleted unarchived: it stays for the next run. It refuses, raising and deleting nothing
-- (one statement in the request's one transaction), when
--   - the table is not one of the metrics tables above (or p_before is null),
--   - p_ids does not hold exactly p_expected_count distinct ids (the archive's row count),
--   - the rows deleted would not be exactly p_expected_count: an archived row is gone or no
--     longer older than the cut-off (then the archive and the database disagree: nothing is
--     deleted and the run says so).
-- Returns how many rows it deleted (= p_expected_count).
-- Called by `devmetrics prune` through PostgREST:
--   POST /rest/v1/rpc/prune_archived_rows, Content-Profile: metrics,
--   {"p_table": "test_runs", "p_repository": "owner/repo", "p_before": "…Z",
--    "p_ids": [1, 2, …], "p_expected_count": 2}
-- Security invoker, executable by service_role only: anon and authenticated cannot run it
-- (and could not delete anyway: they have no delete privilege).
--
-- The event time of each table (the column its (repository, time) index is on):
--   pr_events, deployment_events, rule_compliance_events  event_timestamp
--   test_runs, test_case_results                           run_timestamp
--   push_events                                            pushed_at
--   development_metrics                                    metric_date (a UTC day)

-- DESTRUCTIVE: deletes rows. Only rows named by id, older than p_before, and only all of them.
create or replace function metrics.prune_archived_rows(
  p_table text,
  p_repository text,
  p_before timestamptz,
  p_ids bigint[],
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
  v_given bigint := coalesce(cardinality(p_ids), 0);
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
  if p_before is null or p_repository is null or p_expected_count is null then
    raise exception 'metrics.prune_archived_rows: p_repository, p_before and p_expected_count are required'
      using errcode = '22004';
  end if;
  select count(distinct id) into v_distinct from unnest(p_ids) as id;
  if v_given <> p_expected_count or v_distinct <> v_given then
    raise exception 'metrics.prune_archived_rows: % id(s) given (% distinct) for an archive of % row(s); nothing deleted',
      v_given, v_distinct, p_expected_count
      using errcode = '22023';
  end if;

  -- The cut-off compares in UTC (set above), also for the date column.
  execute format(
    'delete from metrics.%I where repository = $1 and %I < $2 and id = any($3)',
    p_table, v_time_column
  ) using p_repository, p_before, p_ids;
  get diagnostics v_deleted = row_count;

  if v_deleted <> p_expected_count then
    -- Raising undoes the delete above: nothing of this table and file is deleted.
    raise exception 'metrics.prune_archived_rows: % of the % archived row(s) of metrics.% are still there and older than the cut-off; nothing deleted',
      v_deleted, p_expected_count, p_table
      using errcode = 'P0001',
            hint = 'the archive and the database disagree: run devmetrics prune again to archive afresh';
  end if;
  return v_deleted;
end;
$$;

comment on function metrics.prune_archived_rows(text, text, timestamptz, bigint[], bigint) is
  'Deletes the rows of one table and repository that devmetrics prune archived and verified (by id, older than p_before); refuses and deletes nothing unless exactly p_expected_count rows match. service_role only.';

revoke execute on function metrics.prune_archived_rows(text, text, timestamptz, bigint[], bigint) from public, anon, authenticated;
grant execute on function metrics.prune_archived_rows(text, text, timestamptz, bigint[], bigint) to service_role;
