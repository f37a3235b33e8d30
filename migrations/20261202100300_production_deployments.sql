-- Purpose: the audit trail of every deployment figure (deployment count, change failure rate,
-- failed deployment recovery time, rework rate): one row per successful production deployment,
-- with whether it failed, why, what fixed it and how long that took.
-- Tables touched: none (a view over metrics.deployment_events and metrics.pr_delivery).
-- Views added: metrics.production_deployments (security_invoker: the caller's RLS applies).
-- Functions added: metrics.change_failure_window().
--
-- Definitions (issue 10, section 2):
--   deployment   a deployment_events row with is_production and status 'success'; its time is
--                finished_at (event_timestamp when not given). Failed attempts (failure,
--                error) are not deployments (they are pipeline_failure_rate's).
--   redeploy     a deployment of the sha already live (the sha of the deployment just before
--                it, same repository and target environment): not a row here.
--   live before  the deployment just before this one in this view (same repository and target
--                environment, by finish time then deployment_id).
--   rollback     kind 'rollback' (an older sha, decided by `record`);
--   hotfix       kind 'hotfix' or metadata.is_hotfix (it carries a hotfix PR's merge commit);
--   revert       it carries (is the deployment of, metrics.pr_delivery) a PR that reverts a
--                PR (reverts_pr_number) or a commit (reverts_sha).
--   failed       within the window (metrics.change_failure_window(), 7 days) after its finish, a
--                later deployment
--                  rolls it back   (a rollback marks the deployment live before it: rolled_back),
--                  ships a revert  of one of its PRs, or of a commit it carried (reverted),
--                  ships a hotfix  (a hotfix marks the deployment live before it: hotfixed);
--                each deployment counts once: the earliest such fixer (by finish; ties:
--                rolled_back, reverted, hotfixed) is recovered_by, and failure_reason is its.
--   recovery_seconds  this deployment's finish -> recovered_by's finish.
--   is_rework    it is a rollback, a hotfix or ships a revert (DORA's rework rate).

create function metrics.change_failure_window()
returns interval
language sql
immutable
set search_path = ''
as $$ select interval '7 days' $$;

comment on function metrics.change_failure_window() is
  'How long after its finish a deployment can still be marked failed by a rollback, revert or hotfix: 7 days.';

grant execute on function metrics.change_failure_window() to authenticated, metrics_reader, service_role;

-- The CTEs are `not materialized` so that a caller's `where repository = …` reaches the
-- indexes of deployment_events instead of computing every repository first.
create view metrics.production_deployments with (security_invoker = true) as
with success as not materialized (
  select e.repository,
         coalesce(e.target_environment, '') as target,
         e.deployment_id, e.sha, e.kind, e.metadata,
         coalesce(e.finished_at, e.event_timestamp) as finished_at,
         lag(e.sha) over (partition by e.repository, coalesce(e.target_environment, '')
                          order by coalesce(e.finished_at, e.event_timestamp), e.deployment_id) as live_sha
    from metrics.deployment_events e
   where e.is_production and e.status = 'success'
),
deployments as not materialized (
  select s.*,
         lag(s.deployment_id) over w as live_before
    from success s
   where s.sha is null or s.live_sha is distinct from s.sha
  window w as (partition by s.repository, s.target order by s.finished_at, s.deployment_id)
),
-- The deployments that carried a revert PR.
revert_deployments as not materialized (
  select distinct p.repository, p.deployment_id
    from metrics.pr_delivery p
   where p.deployment_id is not null
     and (p.reverts_pr_number is not null or p.reverts_sha is not null)
),
flags as not materialized (
  select d.*,
         d.kind = 'rollback' as is_rollback,
         (d.kind = 'hotfix' or (d.metadata -> 'is_hotfix') is not distinct from 'true'::jsonb) as is_hotfix,
         (rd.deployment_id is not null) as ships_revert
    from deployments d
    left join revert_deployments rd
      on rd.repository = d.repository and rd.deployment_id = d.deployment_id
),
-- Every (failed deployment, fixer) pair.
fixes as not materialized (
  select f.repository, f.live_before as failed_id, f.deployment_id as fixer_id,
         f.finished_at as fixed_at, 'rolled_back' as reason, 1 as reason_rank
    from flags f where f.is_rollback and f.live_before is not null
  union all
  select f.repository, f.live_before, f.deployment_id, f.finished_at, 'hotfixed', 3
    from flags f where f.is_hotfix and f.live_before is not null
  union all
  -- A revert PR deployed by f: the deployment of the reverted PR, or the first one carrying the
  -- reverted commit.
  select f.repository, t.deployment_id, f.deployment_id, f.finished_at, 'reverted', 2
    from flags f
    join metrics.pr_delivery r
      on r.repository = f.repository and r.deployment_id = f.deployment_id
     and (r.reverts_pr_number is not null or r.reverts_sha is not null)
    join lateral (
      select p.deployment_id
        from metrics.pr_delivery p
       where r.reverts_pr_number is not null
         and p.repository = r.repository and p.pr_number = r.reverts_pr_number
         and p.deployment_id is not null
      union
      select x.deployment_id
        from (select d2.deployment_id
                from deployments d2
               where r.reverts_sha is not null
                 and d2.repository = r.repository
                 and metrics.carries(d2.metadata, r.reverts_sha)
               order by d2.finished_at, d2.deployment_id
               limit 1) x
    ) t on true
),
first_fix as not materialized (
  select distinct on (x.repository, x.failed_id)
         x.repository, x.failed_id, x.fixer_id, x.fixed_at, x.reason
    from fixes x
    join deployments failed
      on failed.repository = x.repository and failed.deployment_id = x.failed_id
   where x.fixed_at > failed.finished_at
     and x.fixed_at - failed.finished_at <= metrics.change_failure_window()
     and x.fixer_id <> x.failed_id
   order by x.repository, x.failed_id, x.fixed_at, x.reason_rank, x.fixer_id
)
select f.repository,
       f.deployment_id,
       f.sha,
       f.finished_at,
       f.kind,
       (ff.fixer_id is not null) as failed,
       ff.reason as failure_reason,
       ff.fixer_id as recovered_by,
       extract(epoch from ff.fixed_at - f.finished_at)::bigint as recovery_seconds,
       (f.is_rollback or f.is_hotfix or f.ships_revert) as is_rework,
       nullif(f.target, '') as target_environment
  from flags f
  left join first_fix ff
    on ff.repository = f.repository and ff.failed_id = f.deployment_id;

comment on view metrics.production_deployments is
  'One row per successful production deployment (redeploys of the live sha excluded): whether a '
  'rollback, revert or hotfix within 7 days marked it failed, what recovered it and when, and '
  'whether it is rework. The audit trail of deployment_count, deploy_days, change_failure_rate, '
  'failed_deployment_recovery_seconds and rework_rate. Definitions: '
  'migrations/20261202100300_production_deployments.sql.';
comment on column metrics.production_deployments.finished_at is
  'When the deployment reached success (event_timestamp when finished_at was not given).';
comment on column metrics.production_deployments.failed is
  'A later deployment within 7 days rolled it back, shipped a revert of one of its PRs or commits, or shipped a hotfix after it.';
comment on column metrics.production_deployments.failure_reason is
  'rolled_back, reverted or hotfixed: the reason of the earliest fixer; null when not failed.';
comment on column metrics.production_deployments.recovered_by is
  'The deployment_id of the deployment that fixed it (the rollback, the revert''s or the hotfix''s).';
comment on column metrics.production_deployments.recovery_seconds is
  'This deployment''s finish -> recovered_by''s finish; null when not failed.';
comment on column metrics.production_deployments.is_rework is
  'A rollback, a hotfix, or a deployment shipping a revert (DORA rework rate''s numerator).';

grant select on metrics.production_deployments to authenticated, metrics_reader, service_role;
revoke all on metrics.production_deployments from anon;
