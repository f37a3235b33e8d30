-- Purpose: per-test outcomes worth keeping: failed, errored and flaky cases and the slowest ones,
-- so that flaky and slow tests can be followed across runs.
-- Tables touched: metrics.test_case_results (new).
--
-- Idempotency: (repository, run_id, test_type, suite_name, classname, test_name) is unique; a test
-- reported several times in one run (reruns) is one row with its attempts in metadata.

create table metrics.test_case_results (
  id                   bigint generated always as identity primary key,
  repository           text not null,
  environment          metrics.environment_name not null,
  run_id               text not null,
  test_type            text not null default 'unit',
  run_timestamp        timestamptz not null,
  suite_name           text not null default '',
  classname            text not null default '',
  test_name            text not null,
  outcome              text not null check (outcome in (
                         'passed', 'failed', 'errored', 'skipped', 'flaky')),
  duration_seconds     double precision check (duration_seconds >= 0),
  attempts             integer not null default 1 check (attempts >= 1),
  message              text,                  -- truncated failure message
  file                 text,
  line                 integer,
  recorded_at          timestamptz not null default now(),
  metadata             jsonb not null default '{}'::jsonb,
  constraint test_case_results_natural_key
    unique (repository, run_id, test_type, suite_name, classname, test_name)
);

comment on table metrics.test_case_results is
  'Failed, errored, flaky and slowest test cases of each run. '
  'Natural key: (repository, run_id, test_type, suite_name, classname, test_name).';

create index test_case_results_repository_time
  on metrics.test_case_results (repository, run_timestamp desc);
create index test_case_results_test
  on metrics.test_case_results (repository, classname, test_name);

alter table metrics.test_case_results enable row level security;
