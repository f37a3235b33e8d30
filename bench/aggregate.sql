-- bench/aggregate.sh's data: about 1 million event rows over :days days (730: two years) for
-- one repository, bench/aggregate, plus 30 noise repositories, generated in PostgreSQL.
-- Shapes follow what `record` writes (issue 10's metadata keys included): merged pull requests
-- with their stages, labels, hotfixes and reverts; the pushes of their merge commits to main;
-- production deployments (every 4 hours) carrying the merge commits since the previous one,
-- with rollbacks, hotfixes, failed attempts and staging deployments; test runs; rule verdicts.
-- Run with psql -v days=730. Idempotent: the bench repositories' rows are deleted first.

\set ON_ERROR_STOP 1
set synchronous_commit = off;

delete from metrics.pr_events where repository like 'bench/%';
delete from metrics.push_events where repository like 'bench/%';
delete from metrics.deployment_events where repository like 'bench/%';
delete from metrics.test_runs where repository like 'bench/%';
delete from metrics.test_case_results where repository like 'bench/%';
delete from metrics.rule_compliance_events where repository like 'bench/%';
delete from metrics.development_metrics where repository like 'bench/%';

-- 20 pull requests a day in bench/aggregate, 2 a day in each noise repository.
create temporary table bench_prs as
select r.repository, n as pr_number,
       g.start + ((n - 1) / r.per_day) * interval '1 day' + ((n * 37) % 20) * interval '1 hour' as created_at,
       r.per_day
from (values ('bench/aggregate', 20)) as r(repository, per_day),
     (select (current_date - :days)::timestamp at time zone 'UTC' as start) g,
     generate_series(1, :days * 20) n
union all
select 'bench/noise-' || lpad(k::text, 2, '0'), n,
       g.start + ((n - 1) / 2) * interval '1 day' + ((n * 37) % 20) * interval '1 hour', 2
from generate_series(1, 30) k,
     (select (current_date - :days)::timestamp at time zone 'UTC' as start) g,
     generate_series(1, :days * 2) n;

alter table bench_prs add column merged_at timestamptz, add column first_commit_at timestamptz,
  add column first_review_at timestamptz, add column merge_sha text;
update bench_prs set
  first_commit_at = created_at - ((pr_number % 10) * interval '1 hour'),
  first_review_at = created_at + ((pr_number % 5 + 1) * interval '1 hour'),
  merged_at = created_at + (((pr_number * 7919) % 48 + 6) * interval '1 hour'),
  merge_sha = md5(repository || ':m:' || pr_number);

insert into metrics.pr_events (repository, environment, pr_number, pr_title, branch_name,
  base_branch, event_type, event_timestamp, author, actor, is_bot, review_state, head_sha,
  merge_commit_sha, cycle_time_seconds, event_key, metadata)
select p.repository, 'production', p.pr_number, 'change ' || p.pr_number,
       case when p.pr_number % 97 = 0 then 'hotfix/' else 'feature/' end || p.pr_number, 'main',
       e.event_type, e.at, 'dev' || (p.pr_number % 9),
       case e.event_type when 'review_submitted' then 'reviewer' || (p.pr_number % 4) else 'dev' || (p.pr_number % 9) end,
       p.pr_number % 13 = 0,
       case e.event_type when 'review_submitted' then 'approved' end,
       md5(p.repository || ':h:' || p.pr_number),
       case e.event_type when 'merged' then p.merge_sha end,
       case e.event_type when 'merged' then extract(epoch from p.merged_at - p.created_at)::bigint end,
       case e.event_type
         when 'review_submitted' then 'review:' || p.pr_number || ':submitted'
         else e.event_type || '@' || to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
       end,
       case e.event_type when 'merged' then jsonb_strip_nulls(jsonb_build_object(
         'first_commit_at', p.first_commit_at, 'ready_for_review_at', p.created_at,
         'first_review_at', p.first_review_at, 'approved_at', p.first_review_at,
         'labels', case when p.pr_number % 97 = 0 then '["hotfix"]'::jsonb else '[]'::jsonb end,
         'is_hotfix', p.pr_number % 97 = 0,
         'reverts_pr_number', case when p.pr_number % 211 = 0 then p.pr_number - 3 end))
       else '{}'::jsonb end
from bench_prs p
cross join lateral (values ('opened', p.created_at), ('review_submitted', p.first_review_at),
                           ('merged', p.merged_at)) as e(event_type, at);

insert into metrics.push_events (repository, environment, branch, branch_class, before_sha,
  after_sha, pushed_at, direct_push, merged_pr, detected_by, commit_count, commits)
select repository, 'production', 'main', 'production',
       md5(repository || ':m:' || (pr_number - 1)), merge_sha, merged_at, false, pr_number,
       'bench', 1, jsonb_build_array(jsonb_build_object('sha', merge_sha, 'timestamp', merged_at))
from bench_prs;

-- Six production deployments a day in bench/aggregate, each carrying the merge commits merged
-- in the 4 hours before it (its range since the previous one).
create index on bench_prs (repository, merged_at);
create temporary table bench_deploys as
select 'bench/aggregate'::text as repository, k,
       g.start + k * interval '4 hours' as finished_at,
       null::text as previous_k_sha, null::text as sha, null::jsonb as carried,
       case when k % 50 = 0 then 'rollback' when k % 71 = 0 then 'hotfix' else 'deploy' end as kind
from (select (current_date - :days)::timestamp at time zone 'UTC' as start) g,
     generate_series(1, :days * 6) k;

update bench_deploys d set carried = c.shas, sha = c.last_sha
from (
  select d2.k, jsonb_agg(p.merge_sha order by p.merged_at) as shas,
         (array_agg(p.merge_sha order by p.merged_at desc))[1] as last_sha
  from bench_deploys d2
  join bench_prs p on p.repository = d2.repository
   and p.merged_at <= d2.finished_at - interval '30 minutes'
   and p.merged_at > d2.finished_at - interval '4 hours 30 minutes'
  group by d2.k
) c
where c.k = d.k;
update bench_deploys set sha = md5('empty' || k), carried = '[]'::jsonb where sha is null;
update bench_deploys d set previous_k_sha = p.sha
from bench_deploys p where p.repository = d.repository and p.k = d.k - 1;

insert into metrics.deployment_events (repository, environment, deployment_id,
  target_environment, is_production, sha, ref, status, kind, source, started_at, finished_at,
  duration_seconds, event_timestamp, actor, metadata)
select d.repository, 'production', 'deployment:' || d.k, 'production', true, d.sha, 'main',
       s.status, d.kind, 'deployment_status', d.finished_at - interval '10 minutes',
       case s.status when 'success' then d.finished_at end,
       case s.status when 'success' then 600 end,
       case s.status when 'success' then d.finished_at else d.finished_at - interval '10 minutes' end,
       'deployer',
       case s.status when 'success' then jsonb_strip_nulls(jsonb_build_object(
         'previous_sha', d.previous_k_sha, 'carried_shas', d.carried,
         'carried_known', d.k % 101 <> 0, 'is_hotfix', d.kind = 'hotfix'))
       else '{}'::jsonb end
from bench_deploys d
cross join (values ('in_progress'), ('success')) s(status)
union all
-- A failed attempt every 25th slot, and a staging deployment for every production one.
select d.repository, 'production', 'deployment:' || d.k || ':attempt', 'production', true, d.sha,
       'main', 'failure', 'deploy', 'deployment_status', d.finished_at - interval '20 minutes',
       d.finished_at - interval '15 minutes', 300, d.finished_at - interval '15 minutes', 'deployer', '{}'
from bench_deploys d where d.k % 25 = 0
union all
select d.repository, 'staging', 'deployment:' || d.k || ':staging', 'staging', false, d.sha,
       'main', 'success', 'deploy', 'deployment_status', d.finished_at - interval '2 hours',
       d.finished_at - interval '1 hour 50 minutes', 600, d.finished_at - interval '1 hour 50 minutes',
       'deployer', '{}'
from bench_deploys d;

-- Test runs: 200 a day in bench/aggregate, 20 a day in each noise repository.
insert into metrics.test_runs (repository, environment, run_id, leg, run_timestamp, test_type,
  total_tests, passed_tests, failed_tests, skipped_tests, flaky_tests, execution_time_seconds,
  sha, branch_name)
select r.repository, case when n % 4 = 0 then 'production' else 'staging' end,
       'gh:' || n || ':1:test:1', '',
       g.start + (n::bigint * 86400 / r.per_day) * interval '1 second',
       (array['unit', 'integration', 'e2e'])[n % 3 + 1],
       100, 98 - case when n % 17 = 0 then 5 else 0 end, case when n % 17 = 0 then 5 else 0 end,
       2, case when n % 7 = 0 then 1 else 0 end, 30 + n % 60, md5(r.repository || n), 'main'
from (values ('bench/aggregate', 200)) r(repository, per_day),
     (select (current_date - :days)::timestamp at time zone 'UTC' as start) g,
     generate_series(1, :days * 200) n
union all
select 'bench/noise-' || lpad(k::text, 2, '0'), 'staging', 'gh:' || n || ':1:test:1', '',
       g.start + (n::bigint * 86400 / 20) * interval '1 second', 'unit', 50, 50, 0, 0, 0, 10, md5(k || ':' || n), 'main'
from generate_series(1, 30) k,
     (select (current_date - :days)::timestamp at time zone 'UTC' as start) g,
     generate_series(1, :days * 20) n;

-- Six rule verdicts on every merged pull request.
insert into metrics.rule_compliance_events (repository, environment, rule_name, rule_category,
  compliance_status, context_type, context_id, event_timestamp)
select p.repository, 'production', 'rule-' || r, 'process',
       case when p.pr_number % 11 = r then 'violation' when r = 5 and p.pr_number % 3 = 0 then 'not_applicable' else 'compliant' end,
       'pull_request', p.pr_number::text, p.merged_at
from bench_prs p, generate_series(0, 5) r;

analyze metrics.pr_events, metrics.push_events, metrics.deployment_events, metrics.test_runs,
  metrics.rule_compliance_events, metrics.development_metrics;

select 'bench rows: ' || (
  (select count(*) from metrics.pr_events where repository like 'bench/%') +
  (select count(*) from metrics.push_events where repository like 'bench/%') +
  (select count(*) from metrics.deployment_events where repository like 'bench/%') +
  (select count(*) from metrics.test_runs where repository like 'bench/%') +
  (select count(*) from metrics.rule_compliance_events where repository like 'bench/%')
) || ' (bench/aggregate: ' || (
  (select count(*) from metrics.pr_events where repository = 'bench/aggregate') +
  (select count(*) from metrics.push_events where repository = 'bench/aggregate') +
  (select count(*) from metrics.deployment_events where repository = 'bench/aggregate') +
  (select count(*) from metrics.test_runs where repository = 'bench/aggregate') +
  (select count(*) from metrics.rule_compliance_events where repository = 'bench/aggregate')
) || ')';
