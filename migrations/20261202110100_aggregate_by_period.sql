-- Purpose: a refresh of a 90-day period reads only the rows that can change the figures of that
-- period, through indexes, instead of the repository's whole history (issue 10: the goal is a
-- 90-day refresh in at most 2 s over two years of events; bench/aggregate.sh measures it).
-- Tables touched: metrics.pr_events, metrics.deployment_events (indexes only, no data changes).
-- Functions added:
--   metrics.pr_delivery_in(p_repository text, p_from timestamptz, p_to timestamptz)
--   metrics.production_deployments_in(p_repository text, p_from timestamptz, p_to timestamptz,
--                                     p_failure_window interval)
-- Views replaced: metrics.pr_delivery and metrics.production_deployments now read these
-- functions over every repository and all time: each figure keeps ONE definition (in the
-- functions), the views stay the audit trail with the same columns and rows.
--
-- The definitions are those of migrations/20261202100200_pr_delivery.sql and
-- 20261202100300_production_deployments.sql, unchanged; only how the rows are found changed:
--   * a PR row is computed from all of that PR's rows and the first deployment carrying its
--     merge commit over all time (an index lookup), so a row returned for a period is the
--     same as the view's row;
--   * "the deployment live before" and "a redeploy of the live sha" are index lookups of the
--     row just before (same repository and target environment, by finish then deployment_id),
--     which is what the window functions (lag) over the whole history computed.
--
-- Which rows a period [p_from, p_to) needs (a null p_from: every row, all time):
--   pr_delivery_in              PRs with a merged row in the period, and PRs whose merge commit
--                               a successful production deployment finishing in the period
--                               carries (so every PR merged or deployed in it); it may return a
--                               few more (their times fall outside the period);
--   production_deployments_in   deployments finishing in the period; what can mark them
--                               failed finishes within the window after them, so it reads
--                               deployments and PRs deployed up to p_to + p_failure_window.

-- Finding a PR by the merge commit a deployment carries.
create index pr_events_merge_commit
  on metrics.pr_events (repository, merge_commit_sha)
  where event_type = 'merged';

-- Successful production deployments in finish order per repository and target environment:
-- the period's deployments (a range scan), the row just before one (a backward scan, limit 1).
create index deployment_events_production_finish
  on metrics.deployment_events
     (repository, coalesce(target_environment, ''), coalesce(finished_at, event_timestamp), deployment_id)
  where is_production and status = 'success';

-- Production deployment attempts that ended, by finish (pipeline_failure_rate), and every
-- successful one of a repository by finish whatever its target (the period's deployments).
create index deployment_events_production_ended
  on metrics.deployment_events (repository, coalesce(finished_at, event_timestamp))
  where is_production and status in ('success', 'failure', 'error');

-- No `set search_path` on these functions: a function with SET is never inlined, and inlining
-- is what substitutes the caller's repository and period so that the indexes above are used.
-- The bodies name every object with its schema; built-in operators come from pg_catalog,
-- which is searched first.

create function metrics.pr_delivery_in(p_repository text, p_from timestamptz, p_to timestamptz)
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
         coalesce((m.metadata ->> 'created_at')::timestamptz,
                  (select min(o.event_timestamp) from metrics.pr_events o
                    where o.repository = m.repository and o.pr_number = m.pr_number
                      and o.event_type = 'opened')) as opened_at,
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

comment on function metrics.pr_delivery_in(text, timestamptz, timestamptz) is
  'The rows of metrics.pr_delivery (one per merged PR, same definitions) of one repository for '
  'the period [p_from, p_to): every PR merged in it or deployed in it (and maybe a few '
  'more); null p_from: every PR. Definitions: migrations/20261202100200_pr_delivery.sql; how '
  'rows are found: migrations/20261202110100_aggregate_by_period.sql.';

grant execute on function metrics.pr_delivery_in(text, timestamptz, timestamptz)
  to authenticated, metrics_reader, service_role;
revoke execute on function metrics.pr_delivery_in(text, timestamptz, timestamptz) from public, anon;

create function metrics.production_deployments_in(
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
-- the last row before it (same repository and target) that is not a redeploy.
deployments as not materialized (
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

comment on function metrics.production_deployments_in(text, timestamptz, timestamptz, interval) is
  'The rows of metrics.production_deployments (one per successful production deployment, same '
  'definitions) of one repository finishing in [p_from, p_to) (null p_from: all), a '
  'deployment failed when a rollback, revert or hotfix came within p_failure_window after it. '
  'Definitions: migrations/20261202100300_production_deployments.sql; how rows are found: '
  'migrations/20261202110100_aggregate_by_period.sql.';

grant execute on function metrics.production_deployments_in(text, timestamptz, timestamptz, interval)
  to authenticated, metrics_reader, service_role;
revoke execute on function metrics.production_deployments_in(text, timestamptz, timestamptz, interval)
  from public, anon;

-- The views: the same columns and rows, read from the functions for each repository over all
-- time. The repository column comes from the list of repositories, so a caller's
-- `where repository = …` narrows that list and the functions run for that repository only,
-- through the indexes.
create or replace view metrics.pr_delivery with (security_invoker = true) as
select r.repository, p.pr_number, p.is_bot, p.first_commit_at, p.opened_at, p.first_review_at,
       p.merged_at, p.deployment_id, p.deployed_at, p.coding_seconds, p.pickup_seconds,
       p.review_seconds, p.deploy_seconds, p.lead_time_seconds, p.cycle_time_seconds,
       p.merge_commit_sha, p.reverts_pr_number, p.reverts_sha
  from (select distinct m.repository from metrics.pr_events m where m.event_type = 'merged') r
 cross join lateral metrics.pr_delivery_in(r.repository, null, null) p;

create or replace view metrics.production_deployments with (security_invoker = true) as
select r.repository, d.deployment_id, d.sha, d.finished_at, d.kind, d.failed, d.failure_reason,
       d.recovered_by, d.recovery_seconds, d.is_rework, d.target_environment
  from (select distinct e.repository from metrics.deployment_events e
         where e.is_production and e.status = 'success') r
 cross join lateral metrics.production_deployments_in(
         r.repository, null, null, metrics.change_failure_window()) d;
