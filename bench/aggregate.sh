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
# database has none. BENCH_DAYS (default 730) sets the history's length.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
days=${BENCH_DAYS:-730}
scripts/stack-deps.sh
scripts/stack.sh up >/dev/null 2>&1
trap 'scripts/stack.sh down >/dev/null 2>&1' EXIT
# shellcheck disable=SC1091
. .stack/env
psql_pg() {
  "$STACK_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$STACK_PG_PORT" -U postgres -d postgres "$@"
}

signature='metrics.refresh_development_metrics(text,date,date,interval)'
if [ "$(psql_pg -A -t -c "select to_regprocedure('$signature') is null")" = t ]; then
  echo "bench/aggregate.sh: $signature is not in this database: apply migrations/ (scripts/stack.sh down, then up)" >&2
  exit 1
fi

cargo build --release --quiet --bin devmetrics

echo "== data: $days days (about 1 million event rows when 730)"
start=$(date +%s)
psql_pg -A -t -v days="$days" -f bench/aggregate.sql | grep 'bench rows'
echo "generated in $(( $(date +%s) - start )) s"

echo "== devmetrics aggregate --days 90 (bench/aggregate), release binary, 5 runs"
run_aggregate() {
  env -i PATH="$PATH" GITHUB_REPOSITORY=bench/aggregate \
    INPUT_SUPABASE-URL="$SUPABASE_URL" INPUT_SUPABASE-SERVICE-ROLE-KEY="$STACK_SECRET_KEY" \
    INPUT_HTTP-TIMEOUT-SECONDS=120 target/release/devmetrics aggregate --days 90
}
run_aggregate | grep 'wrote' # warm-up, and what it wrote
times=()
for _ in 1 2 3 4 5; do
  begin=$(date +%s%N); run_aggregate >/dev/null; end=$(date +%s%N)
  times+=($(( (end - begin) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "aggregate wall time: median $(echo "$sorted" | sed -n 3p) ms, min $(echo "$sorted" | head -1) ms, max $(echo "$sorted" | tail -1) ms (goal <= 2000 ms)"

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
fi
echo "-- slowest statements:"
grep -E 'duration: [0-9.]+ ms' "$plans" | sed -E 's/.*duration: ([0-9.]+) ms.*/\1 ms/' | sort -rn | head -5
