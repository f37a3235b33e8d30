-- Purpose: one row per rule evaluated on one context (a pull request, commit, push or deployment):
-- was the team's rule followed?
-- Tables touched: metrics.rule_compliance_events (new).
--
-- Idempotency: (repository, rule_name, context_type, context_id) is unique: evaluating the same
-- context again, live or in a backfill, never adds a row.

create table metrics.rule_compliance_events (
  id                   bigint generated always as identity primary key,
  repository           text not null,
  environment          metrics.environment_name not null,
  rule_name            text not null,          -- often the rule document, e.g. 'branching.mdc'
  rule_category        text not null,          -- e.g. foundation, quality, process
  compliance_status    text not null check (compliance_status in (
                         'compliant', 'violation', 'not_applicable')),
  context_type         text not null check (context_type in (
                         'pull_request', 'commit', 'push', 'deployment')),
  context_id           text not null,          -- PR number, commit sha, '<branch>@<head sha>' of a push, deployment id
  event_timestamp      timestamptz not null,
  details              text,                   -- why, in words
  recorded_at          timestamptz not null default now(),
  metadata             jsonb not null default '{}'::jsonb,
  constraint rule_compliance_events_natural_key
    unique (repository, rule_name, context_type, context_id)
);

comment on table metrics.rule_compliance_events is
  'Rule compliance: one verdict per rule and context. '
  'Natural key: (repository, rule_name, context_type, context_id).';

create index rule_compliance_events_repository_time
  on metrics.rule_compliance_events (repository, event_timestamp desc);
create index rule_compliance_events_violations
  on metrics.rule_compliance_events (repository, rule_name, event_timestamp desc)
  where compliance_status = 'violation';

alter table metrics.rule_compliance_events enable row level security;
