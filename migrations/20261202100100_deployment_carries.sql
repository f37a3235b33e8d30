-- Purpose: one definition of "this deployment put this commit live", used by every figure that
-- ties a change to a deployment (lead time, the deployment of a PR, a revert of a commit).
-- Tables touched: metrics.deployment_events (an index, no data changes).
-- Functions added: metrics.carries(metadata jsonb, sha text).
--
-- What `record` writes on a successful production deployment_events row (see
-- src/convert/ and docs/architecture.md, "Figures"):
--   metadata.carried_shas   every commit sha the deployment put live: the range
--                           (previous_sha, sha], decided by git ancestry (the chain of recorded
--                           pushes to the production branch, or GitHub's compare API), never by
--                           timestamps;
--   metadata.carried_known  false when that range could not be decided.
-- A deployment whose range is unknown (carried_known false, or no carried_shas array) carries
-- nothing: its PRs stay "merged, not deployed" until a later deployment whose range is known
-- carries them. Nothing is guessed from timestamps. Squash and rebase merges work because the
-- PR's merge_commit_sha is the commit that lands on the branch.

-- No `set search_path` here, unlike the other functions: a function with SET is never inlined,
-- and inlining is what lets the planner use the index below. The body calls only built-in
-- operators and functions, which pg_catalog (searched first) provides.
create function metrics.carries(metadata jsonb, sha text)
returns boolean
language sql
immutable
as $$
  select sha is not null
     and jsonb_typeof(metadata -> 'carried_shas') = 'array'
     and (metadata -> 'carried_known') is distinct from 'false'::jsonb
     and (metadata -> 'carried_shas') ? sha
$$;

comment on function metrics.carries(jsonb, text) is
  'Whether a deployment (its deployment_events.metadata) put commit `sha` live: sha is in '
  'metadata.carried_shas and metadata.carried_known is not false. Never decided from timestamps.';

grant execute on function metrics.carries(jsonb, text) to authenticated, metrics_reader, service_role;

-- Finding the deployment that carried a PR's merge commit: metrics.carries is inlined, and its
-- `(metadata -> 'carried_shas') ? sha` uses this index instead of reading every deployment.
create index deployment_events_carried_shas
  on metrics.deployment_events using gin ((metadata -> 'carried_shas'))
  where is_production and status = 'success';
