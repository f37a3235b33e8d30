-- Purpose: decide who reaches the metrics schema through the API. Supabase no longer exposes new
-- tables by itself (since 2026-10-30), so this migration grants exactly what is needed:
--   service_role  : writes everything (CI, backfill); bypasses RLS
--   authenticated : reads everything (dashboards), through the RLS policies below
--   anon          : nothing at all (usage on the schema only, so errors say "permission denied")
-- Tables touched: all metrics.* tables (grants and policies only).

grant usage on schema metrics to anon, authenticated, service_role;

-- service_role: full access to the tables and their identity sequences.
grant all on all tables in schema metrics to service_role;
grant usage, select on all sequences in schema metrics to service_role;

-- authenticated: read only.
grant select on all tables in schema metrics to authenticated;

-- anon: nothing. Revoke explicitly, in case default privileges granted something.
revoke all on all tables in schema metrics from anon;
revoke all on all sequences in schema metrics from anon;

-- RLS policies: authenticated users may read every row; nobody else gets a policy.
create policy "authenticated users read pr events"
  on metrics.pr_events for select to authenticated using (true);
create policy "authenticated users read deployment events"
  on metrics.deployment_events for select to authenticated using (true);
create policy "authenticated users read test runs"
  on metrics.test_runs for select to authenticated using (true);
create policy "authenticated users read test case results"
  on metrics.test_case_results for select to authenticated using (true);
create policy "authenticated users read rule compliance events"
  on metrics.rule_compliance_events for select to authenticated using (true);
create policy "authenticated users read development metrics"
  on metrics.development_metrics for select to authenticated using (true);

-- Functions: none is meant for RPC yet. Keep PUBLIC from executing anything created here later.
alter default privileges in schema metrics revoke execute on functions from public;
