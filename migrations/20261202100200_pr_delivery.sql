-- Purpose: the audit trail of every PR figure (lead time for changes, PR cycle time and its
-- stages, merged not deployed): one row per merged pull request with each timestamp and stage.
-- Tables touched: none (a view over metrics.pr_events and metrics.deployment_events).
-- Views added: metrics.pr_delivery (security_invoker: the caller's RLS applies).
--
-- Definitions (issue 10, section 2):
--   merged_at        the merged row's event_timestamp (GitHub's merged_at);
--   opened_at        metadata.created_at of the merged row, else the PR's first `opened` row;
--   first_commit_at  metadata.first_commit_at (author date of the PR's oldest commit); when
--                    unknown, the PR's times start at opened_at;
--   ready            metadata.ready_for_review_at (the PR's creation when never a draft);
--   first_review_at  metadata.first_review_at (first review by someone other than the author
--                    and not a bot);
--   deployment       the first successful production deployment (by finish time) that carries
--                    the PR's merge_commit_sha (metrics.carries); none: NULL, "merged, not deployed";
--   deployed_at      that deployment's finished_at (its event_timestamp when not given).
-- Stages, each in whole seconds, adding up to lead time for every deployed PR:
--   coding   first commit -> ready for review (opened, for a PR never in draft; a draft's time
--            counts as coding);
--   pickup   ready -> first review;
--   review   first review -> merge;
--   deploy   merge -> deployed;
--   lead     first commit -> deployed = coding + pickup + review + deploy.
-- A stage that did not happen is 0 and its time goes to the next one (merged without review:
-- pickup 0, review = ready -> merge). Times out of order are clamped onto the chain
-- first commit <= ready <= first review <= merge <= deployed (a review after the merge is
-- pickup 0 and review 0, a first commit after opening is coding 0), so no stage is negative.
-- A PR never deployed: deploy_seconds and lead_time_seconds NULL (never 0).
-- cycle_time_seconds: opened -> merged (the design document's PR cycle time).
-- Bot PRs (is_bot) are kept here; the figures leave them out of lead time and its stages.

create view metrics.pr_delivery with (security_invoker = true) as
with merged as (
  select distinct on (m.repository, m.pr_number)
         m.repository, m.pr_number, m.is_bot, m.merge_commit_sha, m.head_sha,
         m.event_timestamp as merged_at, m.metadata
    from metrics.pr_events m
   where m.event_type = 'merged'
   order by m.repository, m.pr_number, m.event_timestamp, m.id
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
  from chain3 c;

comment on view metrics.pr_delivery is
  'One row per merged PR: its timestamps, the production deployment that first carried its merge '
  'commit, its stages (coding + pickup + review + deploy = lead time) and cycle time. '
  'The audit trail of lead_time_seconds, pr_*_seconds, pr_cycle_time_seconds, merged_prs and '
  'merged_not_deployed. Definitions: migrations/20261202100200_pr_delivery.sql.';
comment on column metrics.pr_delivery.first_commit_at is
  'Author date of the PR''s oldest commit (merged row metadata); when null, lead time starts at opened_at.';
comment on column metrics.pr_delivery.deployment_id is
  'The first successful production deployment (by finish) whose carried_shas holds merge_commit_sha; null: merged, not deployed.';
comment on column metrics.pr_delivery.coding_seconds is
  'First commit -> ready for review (opened when never a draft); 0 when out of order.';
comment on column metrics.pr_delivery.pickup_seconds is
  'Ready for review -> first review by someone else; 0 when there was no review.';
comment on column metrics.pr_delivery.review_seconds is
  'First review (ready, when no review) -> merge.';
comment on column metrics.pr_delivery.deploy_seconds is
  'Merge -> deployed; null when never deployed.';
comment on column metrics.pr_delivery.lead_time_seconds is
  'First commit -> deployed = coding + pickup + review + deploy; null when never deployed.';
comment on column metrics.pr_delivery.cycle_time_seconds is
  'Opened -> merged (the design document''s PR cycle time).';
comment on column metrics.pr_delivery.reverts_pr_number is
  'The PR this one reverts (merged row metadata.reverts_pr_number), when it is a revert.';
comment on column metrics.pr_delivery.reverts_sha is
  'The commit this one reverts (merged row metadata.reverts_sha), when it reverts a commit.';

grant select on metrics.pr_delivery to authenticated, metrics_reader, service_role;
revoke all on metrics.pr_delivery from anon;
