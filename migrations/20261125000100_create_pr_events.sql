-- Purpose: one row per thing that happened to a pull request (opened, ready for review, reviewed,
-- merged, closed...). PR cycle time and the review stages are computed from these rows.
-- Tables touched: metrics.pr_events (new).
--
-- Idempotency: (repository, pr_number, event_key) is unique. `event_key` is built from the event
-- itself, never from when it was recorded, so a live capture and a later backfill from the GitHub
-- API produce the same key and never double-count:
--   '<event_type>@<event_timestamp as RFC 3339 UTC>'   for pull_request events
--   'review:<review id>:<event_type>'                  for pull_request_review events

create table metrics.pr_events (
  id                   bigint generated always as identity primary key,
  repository           text not null,                 -- 'owner/name'
  environment          metrics.environment_name not null,
  pr_number            integer not null check (pr_number > 0),
  pr_title             text,
  branch_name          text,                          -- head branch
  base_branch          text,
  event_type           text not null check (event_type in (
                         'opened', 'reopened', 'ready_for_review', 'converted_to_draft',
                         'synchronize', 'closed', 'merged',
                         'review_submitted', 'review_dismissed')),
  event_timestamp      timestamptz not null,
  author               text,                          -- who opened the PR
  actor                text,                          -- who did this event (reviewer, merger...)
  is_bot               boolean not null default false, -- the PR author is a bot
  review_state         text check (review_state in (
                         'approved', 'changes_requested', 'commented', 'dismissed')),
  head_sha             text,
  merge_commit_sha     text,
  additions            integer,
  deletions            integer,
  changed_files        integer,
  cycle_time_seconds   bigint check (cycle_time_seconds >= 0), -- merged - created; only on 'merged'
  event_key            text not null,
  recorded_at          timestamptz not null default now(),
  metadata             jsonb not null default '{}'::jsonb,
  constraint pr_events_natural_key unique (repository, pr_number, event_key),
  constraint pr_events_cycle_time_only_on_merge
    check (cycle_time_seconds is null or event_type = 'merged')
);

comment on table metrics.pr_events is
  'Pull request lifecycle events, one row per event, from live capture and backfill alike. '
  'Natural key: (repository, pr_number, event_key).';
comment on column metrics.pr_events.cycle_time_seconds is
  'Seconds from PR creation to merge (design document definition); set on merged rows only.';
comment on column metrics.pr_events.metadata is
  'Stage timestamps known at merge (first_commit_at, ready_for_review_at, first_review_at, approved_at) and source details.';

create index pr_events_repository_time on metrics.pr_events (repository, event_timestamp desc);
create index pr_events_merged on metrics.pr_events (repository, event_timestamp desc)
  where event_type = 'merged';

alter table metrics.pr_events enable row level security;
