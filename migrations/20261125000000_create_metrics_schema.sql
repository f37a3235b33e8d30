-- Purpose: create the `metrics` schema that holds every devmetrics table.
-- Tables touched: none (schema and a shared domain only).
--
-- ADR-001 (docs/adr/ADR-001-development-metrics-architecture.md): development metrics are
-- analytics about how software is delivered, not production application data. They live in their
-- own schema so that their grants, RLS policies, retention and exposure in the API are decided
-- apart from `public`.

create schema if not exists metrics;

comment on schema metrics is
  'devmetrics: delivery analytics (DORA keys, PR cycle time, test health, rule compliance). '
  'Not production data: see ADR-001. Written by CI with the service role; read by authenticated users.';

-- Every row says which environment recorded it. The three names are the whole vocabulary.
create domain metrics.environment_name as text
  check (value in ('local', 'staging', 'production'));

comment on domain metrics.environment_name is
  'Where a row was recorded: local (a developer machine or supabase start), staging or production.';
