-- Purpose: one row per observed status of a deployment. Deployment frequency, lead time for
-- changes, change failure rate and time to restore (the DORA keys) are computed from these rows.
-- Tables touched: metrics.deployment_events (new).
--
-- Idempotency: (repository, deployment_id, status) is unique. `deployment_id` names the source:
--   'deployment:<GitHub deployment id>'                 Deployments API (deployment, deployment_status)
--   'workflow_run:<run id>:<attempt>'                   a deploy workflow run (teams without Deployments)
--   'release:<release id>'                              a published release
-- so a live capture and a backfill of the same deployment land on the same rows.

create table metrics.deployment_events (
  id                   bigint generated always as identity primary key,
  repository           text not null,
  environment          metrics.environment_name not null,  -- where devmetrics ran (see ADR-001)
  deployment_id        text not null,
  target_environment   text,                               -- GitHub's environment name, e.g. 'production'
  is_production        boolean not null default false,
  sha                  text,
  ref                  text,
  status               text not null check (status in (
                         'created', 'queued', 'pending', 'in_progress',
                         'success', 'failure', 'error', 'cancelled')),
  kind                 text not null default 'deploy' check (kind in (
                         'deploy', 'redeploy', 'rollback', 'hotfix')),
  source               text not null check (source in (
                         'deployment', 'deployment_status', 'workflow_run', 'release')),
  started_at           timestamptz,                        -- deployment created
  finished_at          timestamptz,                        -- final status reached
  duration_seconds     bigint check (duration_seconds >= 0),
  event_timestamp      timestamptz not null,
  actor                text,
  recorded_at          timestamptz not null default now(),
  metadata             jsonb not null default '{}'::jsonb,
  constraint deployment_events_natural_key unique (repository, deployment_id, status),
  constraint deployment_events_finish_after_start
    check (finished_at is null or started_at is null or finished_at >= started_at)
);

comment on table metrics.deployment_events is
  'Deployments and their statuses (GitHub Deployments API, deploy workflow runs, releases). '
  'inactive/active statuses are never recorded: they are not deployments. '
  'Natural key: (repository, deployment_id, status).';
comment on column metrics.deployment_events.kind is
  'deploy; redeploy (same sha as the last successful one); rollback (an older sha); hotfix.';

create index deployment_events_repository_time
  on metrics.deployment_events (repository, event_timestamp desc);
create index deployment_events_production_success
  on metrics.deployment_events (repository, event_timestamp desc)
  where is_production and status = 'success';
create index deployment_events_sha on metrics.deployment_events (repository, sha);

alter table metrics.deployment_events enable row level security;
