-- Purpose: two refreshes of one repository's figures never leave older figures over newer ones.
-- Tables touched: none. Function replaced (same signature, result and grants):
--   metrics.refresh_development_metrics(text, date, date, interval, text[])
-- Each family's statement (20261203000000_refresh_only_what_was_written.sql) now first takes a
-- transaction-level advisory lock on (family, repository): a second refresh of the same
-- figures of the same repository waits until the first has committed, then reads the rows as
-- they are then (a READ COMMITTED statement sees what was committed when it started). Other
-- repositories, and the other family, do not wait. Locks are taken in one order (delivery, then
-- activity): no deadlock between two refreshes.
-- Why: the statement upserts its figures. Two refreshes that ran together (two jobs of one
-- workflow each recording; `record`, which now refreshes the first table's figures while the
-- others are written and refreshes theirs as soon as they are) could commit in the other order
-- than they read: the figures of the one that read first, without the other's rows, stayed.
-- The definitions of the figures are unchanged.

create or replace function metrics.refresh_development_metrics(
  p_repository text, p_from date, p_to date,
  p_failure_window interval default metrics.change_failure_window(),
  p_written text[] default null)
returns integer
language plpgsql
security invoker
set search_path = ''
-- JIT compiling the delivery statement takes seconds, more than it ever saves here (a 90-day
-- refresh of 6,000 PRs and 2,000 deployments: 15 s with JIT, 1 s without).
set jit = off
-- Plan each statement for the values of this call: the repository and the period reach the
-- inlined functions as constants (a cached generic plan would read every repository).
set plan_cache_mode = force_custom_plan
as $$
declare
  event_tables constant text[] :=
    array['pr_events', 'deployment_events', 'push_events', 'test_runs', 'test_case_results',
          'rule_compliance_events'];
  delivery_written integer := 0;
  activity_written integer := 0;
  -- The whole period: the Monday of p_from's ISO week to the end of p_to's (weeks are
  -- recomputed over their seven days).
  t_from timestamptz := date_trunc('week', p_from::timestamp) at time zone 'UTC';
  t_to timestamptz := (date_trunc('week', p_to::timestamp) + interval '7 days') at time zone 'UTC';
begin
  if p_repository is null or p_from is null or p_to is null or p_from > p_to then
    raise exception 'refresh_development_metrics: p_repository, p_from and p_to are required and p_from must not be after p_to (got %, %, %)',
      p_repository, p_from, p_to
      using errcode = '22023';
  end if;
  if p_failure_window is null or p_failure_window < interval '0' then
    raise exception 'refresh_development_metrics: p_failure_window must be a duration of 0 or more (got %)',
      p_failure_window
      using errcode = '22023';
  end if;
  if not (coalesce(p_written, '{}') <@ event_tables) or array_position(p_written, null) is not null then
    raise exception 'refresh_development_metrics: p_written names tables that are not event tables: % (known: %)',
      p_written, event_tables
      using errcode = '22023';
  end if;

  -- The delivery figures: deployments and PRs.
  if p_written is null or p_written && array['pr_events', 'deployment_events'] then
    perform pg_advisory_xact_lock(hashtextextended('metrics.refresh_development_metrics delivery ' || p_repository, 0));
    with periods as (
      select * from metrics.refresh_periods(p_from, p_to)
    ),
    -- Only the rows of the period (metrics.production_deployments and metrics.pr_delivery over
    -- [t_from, t_to), same definitions): deployments finishing in it; PRs merged or deployed in
    -- it (and maybe a few more, whose times place them outside every period).
    dep as materialized (
      select * from metrics.production_deployments_in(p_repository, t_from, t_to, p_failure_window)
    ),
    prs as materialized (
      select * from metrics.pr_delivery_in(p_repository, t_from, t_to)
    ),
    -- Samples of the distributions.
    samples (environment, metric_name, at, x) as (
      select 'production', 'lead_time_seconds', deployed_at, lead_time_seconds::float8
        from prs where not is_bot and lead_time_seconds is not null
      union all
      select 'production', 'pr_deploy_seconds', deployed_at, deploy_seconds::float8
        from prs where not is_bot and deploy_seconds is not null
      union all
      select 'production', 'pr_coding_seconds', merged_at, coding_seconds::float8 from prs where not is_bot
      union all
      select 'production', 'pr_pickup_seconds', merged_at, pickup_seconds::float8 from prs where not is_bot
      union all
      select 'production', 'pr_review_seconds', merged_at, review_seconds::float8 from prs where not is_bot
      union all
      select 'production', 'pr_cycle_time_seconds', merged_at, cycle_time_seconds::float8
        from prs where cycle_time_seconds is not null
      union all
      select 'production', 'failed_deployment_recovery_seconds', finished_at, recovery_seconds::float8
        from dep where failed
    ),
    -- Each sample in its UTC day and its ISO week (joined on equality, not on time ranges).
    placed_samples as (
      select s.environment, s.metric_name, s.x, g.grain, g.metric_date
        from samples s
       cross join lateral (values ('day', (s.at at time zone 'UTC')::date),
                                  ('week', date_trunc('week', s.at at time zone 'UTC')::date)) g (grain, metric_date)
    ),
    distribution_names (environment, metric_name) as (
      values ('production', 'lead_time_seconds'), ('production', 'pr_deploy_seconds'),
             ('production', 'pr_coding_seconds'), ('production', 'pr_pickup_seconds'),
             ('production', 'pr_review_seconds'), ('production', 'pr_cycle_time_seconds'),
             ('production', 'failed_deployment_recovery_seconds')
    ),
    distributions as (
      select d.environment, p.grain, p.metric_date, d.metric_name,
             percentile_cont(0.5) within group (order by s.x) as p50,
             percentile_cont(0.9) within group (order by s.x) as p90,
             count(s.x)::integer as n
        from periods p
       cross join distribution_names d
        left join placed_samples s
          on s.metric_name = d.metric_name and s.environment = d.environment
         and s.grain = p.grain and s.metric_date = p.metric_date
       group by d.environment, p.grain, p.metric_date, d.metric_name
    ),
    -- Numerators and denominators of the rates.
    fractions (environment, metric_name, at, num, den) as (
      select 'production', 'change_failure_rate', finished_at, failed::integer, 1 from dep
      union all
      select 'production', 'rework_rate', finished_at, is_rework::integer, 1 from dep
      union all
      select 'production', 'pipeline_failure_rate', coalesce(e.finished_at, e.event_timestamp),
             (e.status in ('failure', 'error'))::integer, 1
        from metrics.deployment_events e
       where e.repository = p_repository and e.is_production
         and e.status in ('success', 'failure', 'error')
         and coalesce(e.finished_at, e.event_timestamp) >= t_from
         and coalesce(e.finished_at, e.event_timestamp) < t_to
    ),
    -- Summed per UTC day first (sums of whole numbers: the same totals), then each day in its
    -- day and its ISO week.
    daily_fractions as (
      select f.environment, f.metric_name, (f.at at time zone 'UTC')::date as day,
             sum(f.num)::bigint as num, sum(f.den)::bigint as den
        from fractions f
       group by 1, 2, 3
    ),
    placed_fractions as (
      select f.environment, f.metric_name, f.num, f.den, g.grain, g.metric_date
        from daily_fractions f
       cross join lateral (values ('day', f.day),
                                  ('week', date_trunc('week', f.day::timestamp)::date)) g (grain, metric_date)
    ),
    rate_names (environment, metric_name) as (
      select 'production', m
        from unnest(array['change_failure_rate', 'rework_rate', 'pipeline_failure_rate']) m
    ),
    rates as (
      select r.environment, p.grain, p.metric_date, r.metric_name,
             sum(f.num)::float8 / nullif(sum(f.den), 0) as value,
             coalesce(sum(f.den), 0)::integer as n
        from periods p
       cross join rate_names r
        left join placed_fractions f
          on f.metric_name = r.metric_name and f.environment = r.environment
         and f.grain = p.grain and f.metric_date = p.metric_date
       group by r.environment, p.grain, p.metric_date, r.metric_name
    ),
    counts as (
      select 'production'::text as environment, p.grain, p.metric_date, 'deployment_count'::text as metric_name,
             count(d.deployment_id)::float8 as value, count(d.deployment_id)::integer as n,
             'deployments'::text as unit,
             case when p.grain = 'week' and count(d.deployment_id) > 0 then
               jsonb_build_object(
                 'deployments_per_day', count(d.deployment_id)::float8 / 7,
                 'dora_level', metrics.dora_level('deployment_frequency', count(d.deployment_id)::float8 / 7))
             else '{}'::jsonb end as metadata
        from periods p
        left join dep d on d.finished_at >= p.t0 and d.finished_at < p.t1
       group by p.grain, p.metric_date
      union all
      select 'production', p.grain, p.metric_date, 'deploy_days',
             count(distinct (d.finished_at at time zone 'UTC')::date)::float8,
             count(d.deployment_id)::integer, 'days', '{}'::jsonb
        from periods p
        left join dep d on d.finished_at >= p.t0 and d.finished_at < p.t1
       where p.grain = 'week'
       group by p.grain, p.metric_date
      union all
      select 'production', p.grain, p.metric_date, 'merged_not_deployed',
             count(r.pr_number) filter (where r.deployment_id is null)::float8,
             count(r.pr_number)::integer, 'prs', '{}'::jsonb
        from periods p
        left join prs r on not r.is_bot and r.merged_at >= p.t0 and r.merged_at < p.t1
       group by p.grain, p.metric_date
      union all
      select 'production', p.grain, p.metric_date, 'merged_prs',
             count(r.pr_number)::float8, count(r.pr_number)::integer, 'prs',
             jsonb_build_object('bot_prs', count(r.pr_number) filter (where r.is_bot))
        from periods p
        left join prs r on r.merged_at >= p.t0 and r.merged_at < p.t1
       group by p.grain, p.metric_date
    ),
    -- The metrics DORA gives a level to: metrics.dora_level is called once per figure of those
    -- only (it is null for every other metric).
    dora_metrics as materialized (
      select distinct l.metric_name from metrics.dora_performance_levels() l
    ),
    figures (environment, grain, metric_date, metric_name, value, n, p50, p90, unit, metadata) as (
      select environment, grain, metric_date, metric_name, value, n, null::float8, null::float8,
             unit, metadata
        from counts
      union all
      select d.environment, d.grain, d.metric_date, d.metric_name, d.p50, d.n, d.p50, d.p90,
             'seconds',
             case when l.level is not null then jsonb_build_object('dora_level', l.level)
                  else '{}'::jsonb end
        from distributions d
       cross join lateral (
         select case when d.n > 0 and d.metric_name in (select metric_name from dora_metrics)
                     then metrics.dora_level(d.metric_name, d.p50) end as level
       ) l
      union all
      select r.environment, r.grain, r.metric_date, r.metric_name, r.value, r.n, null, null,
             'ratio',
             case when l.level is not null then jsonb_build_object('dora_level', l.level)
                  else '{}'::jsonb end
        from rates r
       cross join lateral (
         select case when r.n > 0 and r.metric_name in (select metric_name from dora_metrics)
                     then metrics.dora_level(r.metric_name, r.value) end as level
       ) l
    ),
    upserted as (
      insert into metrics.development_metrics as t
        (repository, environment, metric_date, grain, metric_name, value, n, p50, p90, unit, metadata)
      select p_repository, f.environment::metrics.environment_name, f.metric_date, f.grain,
             f.metric_name, f.value, f.n, f.p50, f.p90, f.unit, f.metadata
        from figures f
      on conflict (repository, environment, metric_date, grain, metric_name) do update
        set value = excluded.value, n = excluded.n, p50 = excluded.p50, p90 = excluded.p90,
            unit = excluded.unit, metadata = excluded.metadata, computed_at = now()
        where (t.value, t.n, t.p50, t.p90, t.unit, t.metadata)
              is distinct from (excluded.value, excluded.n, excluded.p50, excluded.p90,
                                excluded.unit, excluded.metadata)
      returning 1
    )
    select count(*)::integer into delivery_written from upserted;
  end if;

  -- The activity figures: test runs and rule verdicts, per environment.
  if p_written is null or p_written && array['test_runs', 'rule_compliance_events'] then
    perform pg_advisory_xact_lock(hashtextextended('metrics.refresh_development_metrics activity ' || p_repository, 0));
    with periods as (
      select * from metrics.refresh_periods(p_from, p_to)
    ),
    -- Numerators and denominators of the rates.
    fractions (environment, metric_name, at, num, den) as (
      select r.environment::text, 'test_pass_rate', r.run_timestamp, r.passed_tests,
             r.total_tests - r.skipped_tests
        from metrics.test_runs r
       where r.repository = p_repository and r.run_timestamp >= t_from and r.run_timestamp < t_to
      union all
      select r.environment::text, 'flaky_test_rate', r.run_timestamp, r.flaky_tests,
             r.total_tests - r.skipped_tests
        from metrics.test_runs r
       where r.repository = p_repository and r.run_timestamp >= t_from and r.run_timestamp < t_to
      union all
      select c.environment::text, 'rule_compliance_rate', c.event_timestamp,
             (c.compliance_status = 'compliant')::integer, 1
        from metrics.rule_compliance_events c
       where c.repository = p_repository and c.compliance_status in ('compliant', 'violation')
         and c.event_timestamp >= t_from and c.event_timestamp < t_to
    ),
    -- Summed per UTC day first (sums of whole numbers: the same totals), then each day in its
    -- day and its ISO week.
    daily_fractions as (
      select f.environment, f.metric_name, (f.at at time zone 'UTC')::date as day,
             sum(f.num)::bigint as num, sum(f.den)::bigint as den
        from fractions f
       group by 1, 2, 3
    ),
    placed_fractions as (
      select f.environment, f.metric_name, f.num, f.den, g.grain, g.metric_date
        from daily_fractions f
       cross join lateral (values ('day', f.day),
                                  ('week', date_trunc('week', f.day::timestamp)::date)) g (grain, metric_date)
    ),
    rate_names (environment, metric_name) as (
      select e, m
        from unnest(array['local', 'staging', 'production']) e,
             unnest(array['test_pass_rate', 'flaky_test_rate', 'rule_compliance_rate']) m
    ),
    rates as (
      select r.environment, p.grain, p.metric_date, r.metric_name,
             sum(f.num)::float8 / nullif(sum(f.den), 0) as value,
             coalesce(sum(f.den), 0)::integer as n
        from periods p
       cross join rate_names r
        left join placed_fractions f
          on f.metric_name = r.metric_name and f.environment = r.environment
         and f.grain = p.grain and f.metric_date = p.metric_date
       group by r.environment, p.grain, p.metric_date, r.metric_name
    ),
    -- Compliance per rule, for rule_compliance_rate's metadata (computed once, then looked up
    -- per row).
    per_rule as materialized (
      select x.environment, x.grain, x.metric_date,
             jsonb_object_agg(x.rule_name, jsonb_build_object('value', x.value, 'n', x.n)) as rules
        from (
          select c.environment::text as environment, p.grain, p.metric_date, c.rule_name,
                 avg((c.compliance_status = 'compliant')::integer)::float8 as value,
                 count(*)::integer as n
            from periods p
            join metrics.rule_compliance_events c
              on c.repository = p_repository and c.compliance_status in ('compliant', 'violation')
             and c.event_timestamp >= p.t0 and c.event_timestamp < p.t1
           group by 1, 2, 3, 4
        ) x
       group by x.environment, x.grain, x.metric_date
    ),
    -- DORA defines no level for these rates (metrics.dora_performance_levels): no dora_level.
    figures (environment, grain, metric_date, metric_name, value, n, p50, p90, unit, metadata) as (
      select r.environment, r.grain, r.metric_date, r.metric_name, r.value, r.n, null::float8,
             null::float8, 'ratio',
             case when r.metric_name = 'rule_compliance_rate'
                  then jsonb_build_object('rules', coalesce(
                         (select pr.rules from per_rule pr
                           where pr.environment = r.environment and pr.grain = r.grain
                             and pr.metric_date = r.metric_date), '{}'::jsonb))
                  else '{}'::jsonb end
        from rates r
    ),
    upserted as (
      insert into metrics.development_metrics as t
        (repository, environment, metric_date, grain, metric_name, value, n, p50, p90, unit, metadata)
      select p_repository, f.environment::metrics.environment_name, f.metric_date, f.grain,
             f.metric_name, f.value, f.n, f.p50, f.p90, f.unit, f.metadata
        from figures f
      on conflict (repository, environment, metric_date, grain, metric_name) do update
        set value = excluded.value, n = excluded.n, p50 = excluded.p50, p90 = excluded.p90,
            unit = excluded.unit, metadata = excluded.metadata, computed_at = now()
        where (t.value, t.n, t.p50, t.p90, t.unit, t.metadata)
              is distinct from (excluded.value, excluded.n, excluded.p50, excluded.p90,
                                excluded.unit, excluded.metadata)
      returning 1
    )
    select count(*)::integer into activity_written from upserted;
  end if;

  return delivery_written + activity_written;
end;
$$;
