-- Purpose: one row per push to a production or staging branch: where the branch moved, whether
-- the push came from a merged pull request or straight from someone's machine (a direct push),
-- and the commits it carried with their times (the start of DORA lead time for changes).
-- Tables touched: metrics.push_events (new; its RLS policy and grants are here too, since the
-- grants migration before it only covered the tables that existed then).
--
-- Idempotency: (repository, branch, after_sha) is unique: the same push recorded live and by a
-- backfill is one row.

create table metrics.push_events (
  id                   bigint generated always as identity primary key,
  repository           text not null,
  environment          metrics.environment_name not null,
  branch               text not null,                -- without refs/heads/
  branch_class         text not null check (branch_class in ('production', 'staging')),
  before_sha           text,                         -- zeros when the push created the branch
  after_sha            text not null,
  forced               boolean not null default false,
  created              boolean not null default false,
  pushed_at            timestamptz not null,
  pusher               text,                         -- the git identity
  sender               text,                         -- the GitHub account
  head_commit_title    text,
  direct_push          boolean not null,             -- no merged pull request behind it
  merged_pr            integer,                      -- the merged pull request, when known
  detected_by          text,                         -- how direct_push / merged_pr were decided
  commit_count         integer not null default 0 check (commit_count >= 0),
  commits              jsonb not null default '[]'::jsonb, -- [{sha, timestamp}], oldest first
  recorded_at          timestamptz not null default now(),
  metadata             jsonb not null default '{}'::jsonb,
  constraint push_events_natural_key unique (repository, branch, after_sha)
);

comment on table metrics.push_events is
  'Pushes to production and staging branches, direct or from a merged pull request. '
  'Natural key: (repository, branch, after_sha).';

create index push_events_repository_time on metrics.push_events (repository, pushed_at desc);
create index push_events_direct on metrics.push_events (repository, pushed_at desc)
  where direct_push;

alter table metrics.push_events enable row level security;

create policy "authenticated users read push events"
  on metrics.push_events for select to authenticated using (true);

grant all on metrics.push_events to service_role;
grant select on metrics.push_events to authenticated;
revoke all on metrics.push_events from anon;
