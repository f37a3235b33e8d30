-- Purpose: plan the delivery figures' statement in less time. `record` refreshes the figures of
-- the day it wrote, and for a merged PR the planning of that one statement
-- (metrics.refresh_development_metrics' delivery family) was most of the step: 25 to 40 ms of
-- planning for a few milliseconds of reading (issue 13: a `record` of a merged PR with a 5 000-case
-- JUnit file in at most 50 ms).
-- Tables touched: none. Functions replaced (same signatures, columns, rows and grants):
--   metrics.pr_delivery_in(text, timestamptz, timestamptz)
--   metrics.production_deployments_in(text, timestamptz, timestamptz, interval)
-- The definitions are unchanged (migrations/20261202100200_pr_delivery.sql,
-- 20261202100300_production_deployments.sql; how rows are found:
-- 20261202110100_aggregate_by_period.sql). What changes is how the planner is asked:
--   * production_deployments_in computes its deployments, and their flags, once (materialized
--     CTEs). Inlined, each was planned, and run, once per reference: five and four times, each
--     time with its lookups of the row before. Planning the function took 12 ms, now 8 ms;
--     running it over two years of one repository (bench/aggregate.sql) took 1.1 s, now 0.14 s.
--   * pr_delivery_in finds a PR's first opened row with `order by … limit 1` instead of min():
--     the same value, planned once instead of twice (min() is also planned as an index scan);
--     12 % of the planning time of a refresh.
-- Measured on this machine, warm connection, a refresh of one day after a PR row: 23 ms -> 16 ms.
-- The figures are the same: a refresh of 400 days of bench/aggregate.sql by the old functions,
-- then by these, changed no row; both functions return the same rows over all time.

create or replace function metrics.pr_delivery_in(p_repository text, p_from timestamptz, p_to timestamptz)
returns table (
  repository text, pr_number integer, is_bot boolean, first_commit_at timestamptz,
  opened_at timestamptz, first_review_at timestamptz, merged_at timestamptz,
  deployment_id text, deployed_at timestamptz, coding_seconds bigint, pickup_seconds bigint,
  review_seconds bigint, deploy_seconds bigint, lead_time_seconds bigint,
  cycle_time_seconds bigint, merge_commit_sha text, reverts_pr_number integer, reverts_sha text)
language sql
stable
as $$
with keys as (
  -- Every merged PR (no period), or those with a merged row in the period ...
  select k.repository, k.pr_number
    from metrics.pr_events k
   where k.event_type = 'merged'
     and k.repository = p_repository
     and (p_from is null or (k.event_timestamp >= p_from and k.event_timestamp < p_to))
  union
  -- ... and those whose merge commit a deployment finishing in the period carries.
  select k.repository, k.pr_number
    from metrics.deployment_events e
   cross join lateral jsonb_array_elements_text(
           case when jsonb_typeof(e.metadata -> 'carried_shas') = 'array'
                then e.metadata -> 'carried_shas' else '[]'::jsonb end) c (sha)
    join metrics.pr_events k
      on k.repository = e.repository and k.event_type = 'merged' and k.merge_commit_sha = c.sha
   where p_from is not null
     and e.repository = p_repository
     and e.is_production and e.status = 'success'
     and coalesce(e.finished_at, e.event_timestamp) >= p_from
     and coalesce(e.finished_at, e.event_timestamp) < p_to
     and metrics.carries(e.metadata, c.sha)
),
-- Each PR's first merged row (by time, then id), looked up by its key.
merged as (
  select m.*
    from (select distinct k.repository, k.pr_number from keys k) k
   cross join lateral (
     select m.repository, m.pr_number, m.is_bot, m.merge_commit_sha, m.head_sha,
            m.event_timestamp as merged_at, m.metadata
       from metrics.pr_events m
      where m.repository = k.repository and m.pr_number = k.pr_number
        and m.event_type = 'merged'
      order by m.event_timestamp, m.id
      limit 1
   ) m
),
facts as (
  select m.*,
         (m.metadata ->> 'first_commit_at')::timestamptz as first_commit_at,
         -- The first opened row's time: written as `order by … limit 1` (the same value as
         -- min()), which the planner takes as it is; min() it plans twice, as an aggregate and
         -- as an index scan.
         coalesce((m.metadata ->> 'created_at')::timestamptz,
                  (select o.event_timestamp from metrics.pr_events o
                    where o.repository = m.repository and o.pr_number = m.pr_number
                      and o.event_type = 'opened'
                    order by o.event_timestamp
                    limit 1)) as opened_at,
         (m.metadata ->> 'ready_for_review_at')::timestamptz as ready_at,
         (m.metadata ->> 'first_review_at')::timestamptz as first_review_at,
         d.deployment_id,
         d.deployed_at
    from merged m
    left join lateral (
      select e.deployment_id, coalesce(e.finished_at, e.event_timestamp) as deployed_at
        from metrics.deployment_events e
       where e.repository = m.repository
         and e.is_production
         and e.status = 'success'
         and metrics.carries(e.metadata, m.merge_commit_sha)
       order by coalesce(e.finished_at, e.event_timestamp), e.deployment_id
       limit 1
    ) d on true
),
-- The chain of boundaries, each clamped between the one before it and the merge.
chain as (
  select f.*,
         coalesce(f.first_commit_at, f.opened_at, f.merged_at) as t_start
    from facts f
),
chain2 as (
  select c.*,
         greatest(c.t_start, c.merged_at) as t_merged,
         least(greatest(c.t_start, coalesce(c.ready_at, c.opened_at, c.t_start)),
               greatest(c.t_start, c.merged_at)) as t_ready
    from chain c
),
chain3 as (
  select c.*,
         least(greatest(c.t_ready, coalesce(c.first_review_at, c.t_ready)), c.t_merged) as t_review,
         -- greatest() ignores nulls: a PR never deployed keeps a null end.
         case when c.deployed_at is not null then greatest(c.t_merged, c.deployed_at) end as t_deployed
    from chain2 c
)
select c.repository,
       c.pr_number,
       c.is_bot,
       c.first_commit_at,
       c.opened_at,
       c.first_review_at,
       c.merged_at,
       c.deployment_id,
       c.deployed_at,
       extract(epoch from c.t_ready - c.t_start)::bigint    as coding_seconds,
       extract(epoch from c.t_review - c.t_ready)::bigint   as pickup_seconds,
       extract(epoch from c.t_merged - c.t_review)::bigint  as review_seconds,
       extract(epoch from c.t_deployed - c.t_merged)::bigint as deploy_seconds,
       extract(epoch from c.t_deployed - c.t_start)::bigint as lead_time_seconds,
       extract(epoch from c.merged_at - c.opened_at)::bigint as cycle_time_seconds,
       c.merge_commit_sha,
       (c.metadata ->> 'reverts_pr_number')::integer as reverts_pr_number,
       c.metadata ->> 'reverts_sha' as reverts_sha
  from chain3 c
$$;

create or replace function metrics.production_deployments_in(
  p_repository text, p_from timestamptz, p_to timestamptz, p_failure_window interval)
returns table (
  repository text, deployment_id text, sha text, finished_at timestamptz, kind text,
  failed boolean, failure_reason text, recovered_by text, recovery_seconds bigint,
  is_rework boolean, target_environment text)
language sql
stable
as $$
-- Successful production deployment rows: those finishing in the period or within the window
-- after it (what can mark the period's deployments failed), or all of them (no period), each
-- with the sha of the row just before it (same repository and target): live_sha.
with success as not materialized (
  select e.repository,
         coalesce(e.target_environment, '') as target,
         e.deployment_id, e.sha, e.kind, e.metadata,
         coalesce(e.finished_at, e.event_timestamp) as finished_at,
         prev.sha as live_sha
    from metrics.deployment_events e
    left join lateral (
      select p.sha
        from metrics.deployment_events p
       where p.repository = e.repository
         and coalesce(p.target_environment, '') = coalesce(e.target_environment, '')
         and p.is_production and p.status = 'success'
         and (coalesce(p.finished_at, p.event_timestamp), p.deployment_id)
             < (coalesce(e.finished_at, e.event_timestamp), e.deployment_id)
       order by coalesce(p.finished_at, p.event_timestamp) desc, p.deployment_id desc
       limit 1
    ) prev on true
   where e.is_production and e.status = 'success'
     and e.repository = p_repository
     and (p_from is null
          or (coalesce(e.finished_at, e.event_timestamp) >= p_from
              and coalesce(e.finished_at, e.event_timestamp) < p_to + p_failure_window))
),
-- Deployments (redeploys of the live sha left out), each with the deployment live before it:
-- the last row before it (same repository and target) that is not a redeploy. Computed once:
-- it is read five times below (through flags, and to find a fix's failed deployment).
deployments as materialized (
  select s.repository, s.target, s.deployment_id, s.sha, s.kind, s.metadata, s.finished_at,
         lb.deployment_id as live_before
    from success s
    left join lateral (
      select p.deployment_id
        from metrics.deployment_events p
        left join lateral (
          select q.sha
            from metrics.deployment_events q
           where q.repository = p.repository
             and coalesce(q.target_environment, '') = coalesce(p.target_environment, '')
             and q.is_production and q.status = 'success'
             and (coalesce(q.finished_at, q.event_timestamp), q.deployment_id)
                 < (coalesce(p.finished_at, p.event_timestamp), p.deployment_id)
           order by coalesce(q.finished_at, q.event_timestamp) desc, q.deployment_id desc
           limit 1
        ) pq on true
       where p.repository = s.repository
         and coalesce(p.target_environment, '') = s.target
         and p.is_production and p.status = 'success'
         and (coalesce(p.finished_at, p.event_timestamp), p.deployment_id)
             < (s.finished_at, s.deployment_id)
         and (p.sha is null or pq.sha is distinct from p.sha)
       order by coalesce(p.finished_at, p.event_timestamp) desc, p.deployment_id desc
       limit 1
    ) lb on true
   where s.sha is null or s.live_sha is distinct from s.sha
),
-- The PRs deployed (or merged) in the same stretch: every PR a deployment above carries first
-- (computed once: it is read four times below).
prs as materialized (
  select *
    from metrics.pr_delivery_in(p_repository, p_from, p_to + p_failure_window)
),
-- The deployments that carried a revert PR.
revert_deployments as not materialized (
  select distinct p.repository, p.deployment_id
    from prs p
   where p.deployment_id is not null
     and (p.reverts_pr_number is not null or p.reverts_sha is not null)
),
-- Computed once: read four times below.
flags as materialized (
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
  -- A revert PR deployed by f: the deployment of the reverted PR, or the first deployment
  -- (over all time, any target, redeploys left out) carrying the reverted commit.
  select f.repository, t.deployment_id, f.deployment_id, f.finished_at, 'reverted', 2
    from flags f
    join prs r
      on r.repository = f.repository and r.deployment_id = f.deployment_id
     and (r.reverts_pr_number is not null or r.reverts_sha is not null)
    join lateral (
      select p.deployment_id
        from prs p
       where r.reverts_pr_number is not null
         and p.repository = r.repository and p.pr_number = r.reverts_pr_number
         and p.deployment_id is not null
      union
      select x.deployment_id
        from (select d2.deployment_id
                from metrics.deployment_events d2
                left join lateral (
                  select q.sha
                    from metrics.deployment_events q
                   where q.repository = d2.repository
                     and coalesce(q.target_environment, '') = coalesce(d2.target_environment, '')
                     and q.is_production and q.status = 'success'
                     and (coalesce(q.finished_at, q.event_timestamp), q.deployment_id)
                         < (coalesce(d2.finished_at, d2.event_timestamp), d2.deployment_id)
                   order by coalesce(q.finished_at, q.event_timestamp) desc, q.deployment_id desc
                   limit 1
                ) pq on true
               where r.reverts_sha is not null
                 and d2.repository = r.repository
                 and d2.is_production and d2.status = 'success'
                 and metrics.carries(d2.metadata, r.reverts_sha)
                 and (d2.sha is null or pq.sha is distinct from d2.sha)
               order by coalesce(d2.finished_at, d2.event_timestamp), d2.deployment_id
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
     and x.fixed_at - failed.finished_at <= p_failure_window
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
    on ff.repository = f.repository and ff.failed_id = f.deployment_id
 where p_from is null or f.finished_at < p_to
$$;
