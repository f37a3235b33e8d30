#!/usr/bin/env bash
# Benchmark (not a test) of `devmetrics aggregate` against the local stack:
#   1. fills the stack with about 1 million event rows (bench/aggregate.sql: two years of one
#      repository, bench/aggregate, plus 30 noise repositories), generated inside PostgreSQL;
#   2. times a 90-day `devmetrics aggregate` of bench/aggregate with the release binary, through
#      the gateway (nginx -> postrust -> PostgreSQL 15), median of 5 (goal: <= 2 s);
#   3. prints the plans of the function's statements (auto_explain: EXPLAIN ANALYZE, BUFFERS of
#      every statement inside metrics.refresh_development_metrics) and a count of index and
#      sequential scans per table.
# The function comes from migrations/: this script never creates one, and stops when the
# database has none. BENCH_DAYS (default 730) sets the history's length; BENCH_RUNS (default 5)
# the timed runs. BENCH_REUSE=1 uses the stack already up (left up afterwards) and keeps its
# bench rows when they are there (generating them takes minutes: 35 min on a loaded machine);
# BENCH_BIN runs that binary instead of building the release one. The machine's load average
# is printed beside the times.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
days=${BENCH_DAYS:-730}
runs=${BENCH_RUNS:-5}
if [ "${BENCH_REUSE:-}" = 1 ] && [ -f .stack/env ]; then
  echo "== reusing the stack that is up"
else
  BENCH_REUSE=
  scripts/stack-deps.sh
  scripts/stack.sh up >/dev/null 2>&1
  trap 'scripts/stack.sh down >/dev/null 2>&1' EXIT
fi
# shellcheck disable=SC1091
. .stack/env
psql_pg() {
  "$STACK_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$STACK_PG_PORT" -U postgres -d postgres "$@"
}

signature='metrics.refresh_development_metrics(text,date,date,interval,text[])'
if [ "$(psql_pg -A -t -c "select to_regprocedure('$signature') is null")" = t ]; then
  echo "bench/aggregate.sh: $signature is not in this database: apply migrations/ (scripts/stack.sh down, then up)" >&2
  exit 1
fi

bin=${BENCH_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin devmetrics
  bin=target/release/devmetrics
fi

if [ -n "${BENCH_REUSE:-}" ] && [ "$(psql_pg -A -t -c "select count(*) > 0 from metrics.pr_events where repository = 'bench/aggregate'")" = t ]; then
  echo "== data: the bench rows already in the database"
else
  echo "== data: $days days (about 1 million event rows when 730)"
  start=$(date +%s)
  psql_pg -A -t -v days="$days" -f bench/aggregate.sql | grep 'bench rows'
  echo "generated in $(( $(date +%s) - start )) s"
fi

median() { sort -n | awk '{a[NR]=$1} END {printf "median %d ms, min %d ms, max %d ms", a[int((NR+1)/2)], a[1], a[NR]}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== devmetrics aggregate --days 90 (bench/aggregate), $bin, $runs runs"
run_aggregate() {
  env -i PATH="$PATH" GITHUB_REPOSITORY=bench/aggregate \
    INPUT_SUPABASE-URL="$SUPABASE_URL" INPUT_SUPABASE-SERVICE-ROLE-KEY="$STACK_SECRET_KEY" \
    INPUT_HTTP-TIMEOUT-SECONDS=120 "$bin" aggregate --days 90
}
run_aggregate | grep 'wrote' # warm-up, and what it wrote
load_before=$(load)
times=()
for _ in $(seq "$runs"); do
  begin=$(date +%s%N); run_aggregate >/dev/null; end=$(date +%s%N)
  times+=($(( (end - begin) / 1000000 )))
done
echo "aggregate wall time: $(printf '%s\n' "${times[@]}" | median) (goal <= 2000 ms); load average before: $load_before, after: $(load) (2 cores)"

echo "== the function alone (psql, server time of the call), $runs runs"
sql_times=()
for _ in $(seq "$runs"); do
  ms=$(psql_pg -A -t -c '\timing on' \
         -c "select metrics.refresh_development_metrics('bench/aggregate', current_date - 89, current_date)" \
       | sed -nE 's/^Time: ([0-9]+)\.[0-9]+ ms.*/\1/p')
  sql_times+=("$ms")
done
echo "refresh_development_metrics (90 days): $(printf '%s\n' "${sql_times[@]}" | median); load average after: $(load)"

echo "== plans of the function's statements (auto_explain, nested statements)"
plans=bench/out/aggregate-plans.txt
psql_pg 2>&1 >/dev/null <<SQL | sed 's/^psql:[^:]*:[0-9]*: //' > "$plans"
load 'auto_explain';
set auto_explain.log_min_duration = 0;
set auto_explain.log_analyze = on;
set auto_explain.log_buffers = on;
set auto_explain.log_nested_statements = on;
set auto_explain.log_level = notice;
set client_min_messages = notice;
select metrics.refresh_development_metrics('bench/aggregate', current_date - 89, current_date);
SQL
echo "full plans: $plans ($(grep -c 'Query Text' "$plans" || true) statements)"
echo "-- scans per table (index use):"
grep -oE '(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)( Backward)? (using [a-z_0-9]+ )?on [a-z_.0-9]+' "$plans" \
  | sed -E 's/ Backward//' | sort | uniq -c | sort -rn
if grep -qE 'Seq Scan on (metrics\.)?(pr_events|deployment_events|test_runs|rule_compliance_events|push_events)\b' "$plans"; then
  echo "note: a sequential scan of an event table: see the full plans for its rows and buffers"
else
  echo "no sequential scan of an event table"
fi
echo "-- slowest statements:"
grep -E 'duration: [0-9.]+ ms' "$plans" | sed -E 's/.*duration: ([0-9.]+) ms.*/\1 ms/' | sort -rn | head -5
