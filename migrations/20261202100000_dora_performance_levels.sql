-- Purpose: the DORA software delivery performance levels, in one place, so that every figure of
-- metrics.development_metrics that DORA gives a level to is judged against the same table.
-- Tables touched: none.
-- Functions added: metrics.dora_performance_levels() (the table, as reference data),
-- metrics.dora_level(metric text, value double precision).
--
-- Source: DORA, "Accelerate State of DevOps Report 2024" (Google Cloud, October 2024), the
-- software delivery performance levels table (elite 19 %, high 22 %, medium 35 %, low 25 % of
-- respondents):
--                          elite                     high                        medium                       low
--   deployment frequency   on demand (multiple       between once per day        between once per week        between once per month
--                          deploys per day)          and once per week           and once per month           and once every six months
--   change lead time       less than one day         between one day and         between one week and         between one month and
--                                                    one week                    one month                    six months
--   change fail rate       5 %                       20 %                        10 %                         40 %
--   failed deployment      less than one hour        less than one day           less than one day            between one week and
--   recovery time                                                                                             one month
-- The report's clusters are survey results, not targets; the levels here only say which
-- cluster a figure is comparable to.
--
-- How a value is judged (metrics.dora_level): each level has a bound (`at_least` for deployment
-- frequency, `at_most` for the others); the level is the one with the tightest bound the value
-- meets (ties: the better level); `low` has no bound and takes everything beyond the table.
-- Note the 2024 table itself: the medium cluster's change fail rate (10 %) is lower than the
-- high cluster's (20 %), so a rate over 5 % and at most 10 % is `medium`, over 10 % and at most
-- 20 % is `high`: the table is used as published, not reordered.
-- Units: deployments per day; seconds; a ratio (0..1).

-- A function rather than a table: reference data that a migration changes, never a writer, and
-- no table without row level security in the schema.
create function metrics.dora_performance_levels()
returns table (
  metric_name   text,              -- the development_metrics metric it judges
  level         text,              -- elite, high, medium, low
  level_rank    integer,           -- 1 = elite
  bound_kind    text,              -- at_least: value >= bound; at_most: value <= bound
  bound         double precision,  -- null: any value (the level beyond the table)
  unit          text,
  report_says   text,              -- the report's cell, in its words
  source        text
)
language sql
immutable
set search_path = ''
as $$
  select v.*, 'DORA, Accelerate State of DevOps Report 2024'::text
    from (values
      -- Deployment frequency, as deployments per day over the period (judged on ISO weeks).
      -- "On demand" is read as at least one deployment per day on average.
      ('deployment_frequency', 'elite',  1, 'at_least', 1.0::float8,        'per_day', 'On demand (multiple deploys per day)'),
      ('deployment_frequency', 'high',   2, 'at_least', 1.0 / 7,            'per_day', 'Between once per day and once per week'),
      ('deployment_frequency', 'medium', 3, 'at_least', 1.0 / 30,           'per_day', 'Between once per week and once per month'),
      ('deployment_frequency', 'low',    4, 'at_least', null,               'per_day', 'Between once per month and once every six months'),
      ('lead_time_seconds', 'elite',  1, 'at_most', 86400,                  'seconds', 'Less than one day'),
      ('lead_time_seconds', 'high',   2, 'at_most', 7 * 86400,              'seconds', 'Between one day and one week'),
      ('lead_time_seconds', 'medium', 3, 'at_most', 30 * 86400,             'seconds', 'Between one week and one month'),
      ('lead_time_seconds', 'low',    4, 'at_most', null,                   'seconds', 'Between one month and six months'),
      ('change_failure_rate', 'elite',  1, 'at_most', 0.05,                 'ratio', '5%'),
      ('change_failure_rate', 'high',   2, 'at_most', 0.20,                 'ratio', '20%'),
      ('change_failure_rate', 'medium', 3, 'at_most', 0.10,                 'ratio', '10%'),
      ('change_failure_rate', 'low',    4, 'at_most', null,                 'ratio', '40%'),
      ('failed_deployment_recovery_seconds', 'elite',  1, 'at_most', 3600,  'seconds', 'Less than one hour'),
      ('failed_deployment_recovery_seconds', 'high',   2, 'at_most', 86400, 'seconds', 'Less than one day'),
      ('failed_deployment_recovery_seconds', 'medium', 3, 'at_most', 86400, 'seconds', 'Less than one day'),
      ('failed_deployment_recovery_seconds', 'low',    4, 'at_most', null,  'seconds', 'Between one week and one month')
    ) as v (metric_name, level, level_rank, bound_kind, bound, unit, report_says)
$$;

comment on function metrics.dora_performance_levels() is
  'DORA software delivery performance levels (Accelerate State of DevOps Report 2024), one row per '
  'metric and level, with the bound metrics.dora_level judges by. The one place the thresholds live.';

-- The level of `value` for `metric`: the level with the tightest bound the value meets (ties:
-- the better level), `low` beyond the table; null when the value is null or the metric has no
-- DORA level.
create function metrics.dora_level(metric text, value double precision)
returns text
language sql
immutable
set search_path = ''
as $$
  select l.level
    from metrics.dora_performance_levels() l
   where l.metric_name = metric
     and value is not null
     and (l.bound is null
          or (l.bound_kind = 'at_least' and value >= l.bound)
          or (l.bound_kind = 'at_most' and value <= l.bound))
   order by l.bound is null,
            case l.bound_kind when 'at_least' then -l.bound else l.bound end,
            l.level_rank
   limit 1
$$;

comment on function metrics.dora_level(text, double precision) is
  'The DORA 2024 performance level (elite, high, medium, low) a value of a metric is comparable to; '
  'null for a null value or a metric DORA gives no level. Thresholds: metrics.dora_performance_levels().';

-- Reference data, the same for everyone allowed into the schema.
grant execute on function metrics.dora_performance_levels() to authenticated, metrics_reader, service_role;
grant execute on function metrics.dora_level(text, double precision) to authenticated, metrics_reader, service_role;
