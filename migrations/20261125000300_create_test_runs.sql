-- Purpose: one row per test run and test type (unit, integration, e2e...), with its totals.
-- Test pass rate and the pass-rate alert are computed from these rows.
-- Tables touched: metrics.test_runs (new).
--
-- Idempotency: (repository, run_id, test_type) is unique. `run_id` is derived from the workflow
-- run, its attempt and the job and step that recorded it, so running the same step again writes
-- nothing new, while a re-run attempt is a new run.

create table metrics.test_runs (
  id                     bigint generated always as identity primary key,
  repository             text not null,
  environment            metrics.environment_name not null,
  run_id                 text not null,
  run_timestamp          timestamptz not null,
  test_type              text not null default 'unit',
  total_tests            integer not null check (total_tests >= 0),
  passed_tests           integer not null check (passed_tests >= 0),
  failed_tests           integer not null check (failed_tests >= 0),
  errored_tests          integer not null default 0 check (errored_tests >= 0),
  skipped_tests          integer not null check (skipped_tests >= 0),
  flaky_tests            integer not null default 0 check (flaky_tests >= 0),
  execution_time_seconds double precision check (execution_time_seconds >= 0),
  sha                    text,
  branch_name            text,
  pr_number              integer,
  workflow_run_id        bigint,
  workflow_run_attempt   integer,
  recorded_at            timestamptz not null default now(),
  metadata               jsonb not null default '{}'::jsonb,
  constraint test_runs_natural_key unique (repository, run_id, test_type),
  constraint test_runs_totals_add_up
    check (passed_tests + failed_tests + errored_tests + skipped_tests = total_tests)
);

comment on table metrics.test_runs is
  'Test run totals per run and test type. flaky_tests are counted in passed_tests (they passed on a retry). '
  'Natural key: (repository, run_id, test_type).';

create index test_runs_repository_time on metrics.test_runs (repository, run_timestamp desc);
create index test_runs_sha on metrics.test_runs (repository, sha);

alter table metrics.test_runs enable row level security;
