-- Purpose: computed metrics per day and per week (deployment frequency, lead time, change failure
-- rate, time to restore, PR cycle time, pass rate, compliance rate...), one row per metric and
-- period, recomputable from the event tables at any time.
-- Tables touched: metrics.development_metrics (new).
--
-- Idempotency: (repository, environment, metric_date, grain, metric_name) is unique; recomputing
-- a period replaces its value (upsert with merge-duplicates).

create table metrics.development_metrics (
  id                   bigint generated always as identity primary key,
  repository           text not null,
  environment          metrics.environment_name not null,
  metric_date          date not null,          -- the day, or the Monday that starts the ISO week
  grain                text not null check (grain in ('day', 'week')),
  metric_name          text not null,          -- e.g. deployment_frequency, lead_time_seconds
  value                double precision,       -- null when there is nothing to measure
  n                    integer not null default 0 check (n >= 0), -- how many events the value rests on
  p50                  double precision,
  p90                  double precision,
  unit                 text,                   -- e.g. seconds, per_day, ratio
  computed_at          timestamptz not null default now(),
  recorded_at          timestamptz not null default now(),
  metadata             jsonb not null default '{}'::jsonb,
  constraint development_metrics_natural_key
    unique (repository, environment, metric_date, grain, metric_name),
  constraint development_metrics_week_starts_monday
    check (grain <> 'week' or extract(isodow from metric_date) = 1)
);

comment on table metrics.development_metrics is
  'Aggregated delivery metrics per day and ISO week, derived from the event tables. '
  'Natural key: (repository, environment, metric_date, grain, metric_name).';

create index development_metrics_repository_time
  on metrics.development_metrics (repository, metric_date desc);

alter table metrics.development_metrics enable row level security;
