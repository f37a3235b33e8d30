-- Purpose: give every leg of a matrix or sharded job its own test run. Two legs of one job share
-- the workflow run, attempt, job and step, so they shared `run_id`, collided on the natural key,
-- and the second leg's totals were dropped as a duplicate. A `leg` column joins both natural keys.
-- Tables touched: metrics.test_runs, metrics.test_case_results (a column and the UNIQUE
-- constraint each; no data changes).
--
-- What `leg` holds (written by devmetrics, see src/commands/test_results.rs):
--   the Action's `leg` input, which defaults to the strategy's job index (`0`, `1`...; `0` for a
--   job without a matrix), or a name the workflow gives (`leg: ${{ matrix.shard }}`);
--   when that is empty, 'auto-<16 hex>': a fingerprint of the leg's report paths and test
--   identities (never of durations or outcomes), so recording the same step again gives the same
--   leg and adds nothing. Two legs that run the identical test set with identical report paths
--   need a `leg` input (a matrix job gets one by default).
-- Sum a job's legs with `group by repository, run_id, test_type`.
--
-- Existing rows: they get leg '' (the default) and keep their keys, so nothing recorded before is
-- duplicated; rows spooled by an older devmetrics (no `leg`) also land on ''. Totals of second legs
-- that older versions dropped are not recoverable. New rows always carry a non-empty leg.
-- Rebuilding the constraints locks each table briefly (an index build); no rows are rewritten
-- (a constant default is stored in the catalog).

alter table metrics.test_runs add column leg text not null default '';

comment on column metrics.test_runs.leg is
  'The leg of a matrix or sharded job: the Action''s `leg` input (default: the strategy''s job '
  'index), or ''auto-<hex>'' derived from the report paths and test identities. '''' on rows '
  'recorded before legs existed.';

alter table metrics.test_runs drop constraint test_runs_natural_key;
alter table metrics.test_runs
  add constraint test_runs_natural_key unique (repository, run_id, leg, test_type);

comment on table metrics.test_runs is
  'Test run totals per run, leg and test type. flaky_tests are counted in passed_tests (they passed on a retry). '
  'Natural key: (repository, run_id, leg, test_type).';

alter table metrics.test_case_results add column leg text not null default '';

comment on column metrics.test_case_results.leg is
  'The leg of the run (same as test_runs.leg).';

alter table metrics.test_case_results drop constraint test_case_results_natural_key;
alter table metrics.test_case_results
  add constraint test_case_results_natural_key
    unique (repository, run_id, leg, test_type, suite_name, classname, test_name);

comment on table metrics.test_case_results is
  'Failed, errored, flaky and slowest test cases of each run and leg. '
  'Natural key: (repository, run_id, leg, test_type, suite_name, classname, test_name).';
