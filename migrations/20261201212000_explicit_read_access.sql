-- Purpose: make reading the metrics schema an explicit grant. Until now every signed-in user of
-- the Supabase project read every repository's rows (a `using (true)` select policy for
-- `authenticated`), and Supabase projects let anyone sign up by default. From here on:
--   authenticated   : reads the rows of the repositories its JWT grants, nothing else;
--   metrics_reader  : a NOLOGIN role for dashboards that connect to PostgreSQL directly
--                     (Grafana, Metabase...): reads every row;
--   service_role    : unchanged (writes everything, bypasses RLS);
--   anon            : unchanged (nothing).
-- Tables touched: every metrics.* table (policies and grants only; no data changes).
-- Function added: metrics.can_read(repository text).
--
-- The grant lives in the user's `app_metadata`, which only the service role (the admin API, or
-- SQL on auth.users) can write; a user cannot grant it to themselves (`user_metadata` can be
-- written by the user and is deliberately ignored). Its shape:
--   {"devmetrics": {"read": ["owner/repo", "owner/*"]}}   the listed repositories, any repository of an owner
--   {"devmetrics": {"read": "*"}}                          every repository (also ["*"])
-- Supabase copies app_metadata into the user's JWT at sign-in, so a change reaches a user at the
-- next token refresh (at most the JWT expiry, one hour by default). How to give a dashboard user
-- access: README.md, "Set up Supabase", and docs/adr/ADR-002-read-access.md.
--
-- Destructive: drops the seven `using (true)` policies created by
-- 20261125000700_grant_metrics_api_access.sql and 20261125000800_create_push_events.sql. A signed-in
-- user without the claim reads nothing after this migration (that is its purpose): grant the claim
-- to dashboard users before applying it, or they see empty dashboards.

-- The caller's read grant, from the verified JWT claims of the request, read as Supabase's
-- auth.jwt() reads them: the claims as one JSON document in `request.jwt.claims` (PostgREST 9
-- and later, including 12, Supabase, postrust) or in `request.jwt.claim`. PostgREST before 9 set
-- one setting per claim instead (`request.jwt.claim.app_metadata`), the fallback auth.uid() and
-- auth.role() keep for `sub` and `role`; it is read last. Outside the API (psql, a direct
-- connection) none is set and nothing is granted.
create function metrics.can_read(repository text)
returns boolean
language sql
stable
set search_path = ''
as $$
  with claim as (
    select coalesce(
      coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb -> 'app_metadata',
      nullif(current_setting('request.jwt.claim.app_metadata', true), '')::jsonb
    ) -> 'devmetrics' -> 'read' as read
  )
  select coalesce(
    (
      select case jsonb_typeof(claim.read)
        when 'string' then claim.read #>> '{}' = '*'
        when 'array' then exists (
          select 1
          from jsonb_array_elements_text(claim.read) as granted(name)
          where granted.name = '*'
            -- GitHub names are case-insensitive; rows keep GITHUB_REPOSITORY's spelling.
            or lower(granted.name) = lower(repository)
            or (granted.name like '%/*'
                and lower(split_part(granted.name, '/', 1)) = lower(split_part(repository, '/', 1)))
        )
        else false
      end
      from claim
    ),
    false
  )
$$;

comment on function metrics.can_read(text) is
  'Whether the caller''s JWT grants reading rows of this repository: '
  'app_metadata.devmetrics.read is "*", or an array naming "*", the repository ("owner/repo", '
  'case-insensitive) or its owner ("owner/*"). False without the claim. See ADR-002.';

-- The policies call it as the signed-in user (20261125000700 revoked execute from public by default).
grant execute on function metrics.can_read(text) to authenticated;

-- authenticated: the old blanket policies go, a claim-based one per table replaces each.
drop policy "authenticated users read pr events" on metrics.pr_events;
drop policy "authenticated users read deployment events" on metrics.deployment_events;
drop policy "authenticated users read test runs" on metrics.test_runs;
drop policy "authenticated users read test case results" on metrics.test_case_results;
drop policy "authenticated users read rule compliance events" on metrics.rule_compliance_events;
drop policy "authenticated users read development metrics" on metrics.development_metrics;
drop policy "authenticated users read push events" on metrics.push_events;

create policy "granted users read pr events"
  on metrics.pr_events for select to authenticated using (metrics.can_read(repository));
create policy "granted users read deployment events"
  on metrics.deployment_events for select to authenticated using (metrics.can_read(repository));
create policy "granted users read test runs"
  on metrics.test_runs for select to authenticated using (metrics.can_read(repository));
create policy "granted users read test case results"
  on metrics.test_case_results for select to authenticated using (metrics.can_read(repository));
create policy "granted users read rule compliance events"
  on metrics.rule_compliance_events for select to authenticated using (metrics.can_read(repository));
create policy "granted users read development metrics"
  on metrics.development_metrics for select to authenticated using (metrics.can_read(repository));
create policy "granted users read push events"
  on metrics.push_events for select to authenticated using (metrics.can_read(repository));

-- metrics_reader: for dashboards connecting to PostgreSQL directly, with a login role of their
-- own that is granted this one (`create role grafana login password '...' in role metrics_reader`).
-- Roles belong to the cluster, not the database: create it only when it is not there yet.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'metrics_reader') then
    create role metrics_reader nologin;
  end if;
end
$$;

comment on role metrics_reader is
  'devmetrics: reads every row of the metrics schema (dashboards connecting to PostgreSQL directly). '
  'Grant it to a login role; never to authenticated or anon. See ADR-002.';

grant usage on schema metrics to metrics_reader;
grant select on all tables in schema metrics to metrics_reader;

create policy "metrics reader reads pr events"
  on metrics.pr_events for select to metrics_reader using (true);
create policy "metrics reader reads deployment events"
  on metrics.deployment_events for select to metrics_reader using (true);
create policy "metrics reader reads test runs"
  on metrics.test_runs for select to metrics_reader using (true);
create policy "metrics reader reads test case results"
  on metrics.test_case_results for select to metrics_reader using (true);
create policy "metrics reader reads rule compliance events"
  on metrics.rule_compliance_events for select to metrics_reader using (true);
create policy "metrics reader reads development metrics"
  on metrics.development_metrics for select to metrics_reader using (true);
create policy "metrics reader reads push events"
  on metrics.push_events for select to metrics_reader using (true);

comment on schema metrics is
  'devmetrics: delivery analytics (DORA keys, PR cycle time, test health, rule compliance). '
  'Not production data: see ADR-001. Written by CI with the service role; read by users whose '
  'app_metadata grants it (metrics.can_read) and by metrics_reader. See ADR-002.';
