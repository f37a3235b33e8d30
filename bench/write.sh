#!/usr/bin/env bash
# Benchmarks (not tests) of the write path, against the local stack:
#   1. 10 000 pr_events rows through the PostgREST sink, then again (all duplicates), side by side
#      with the peer: one bulk POST of the same rows from Python's urllib (bench/peer_write.py);
#   2. HTTP requests one `record` makes (from nginx's access log; goal: at most one per table);
#   3. wall time of `record` for one PR event end to end (goal: <= 150 ms), median of 20;
#      and of `record` for a merged PR, then a push, each with a 5 000-case JUnit file (issue
#      13's goal: <= 50 ms), with each request's time at the gateway;
#   4. the release binary's size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
scripts/stack-deps.sh
scripts/stack.sh up >/dev/null 2>&1
trap 'scripts/stack.sh down >/dev/null 2>&1' EXIT
# shellcheck disable=SC1091
. .stack/env

cargo build --release --quiet --example bench_write --bin devmetrics
echo "== 10 000-row write (local stack: nginx -> postrust -> PostgreSQL 15)"
# Warm-up, untimed: the first insert into a fresh database pays for caches whoever goes first.
target/release/examples/bench_write --rows 2000 >/dev/null
target/release/examples/bench_write --rows 10000 --dump bench/out/rows.json
python3 bench/peer_write.py bench/out/rows.json

# wall_of_20 CMD...: runs `CMD... N` for N = 2..21 (a new repository each time); prints the
# median, min and max wall time in ms.
wall_of_20() {
  local times=() i start end sorted
  for i in $(seq 2 21); do
    start=$(date +%s%N); "$@" "$i"; end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  echo "median $(echo "$sorted" | sed -n 10p) ms, min $(echo "$sorted" | head -1) ms, max $(echo "$sorted" | tail -1) ms"
}

echo "== one record: HTTP requests and wall time (merged pull_request, default rules)"
work=$(mktemp -d)
payload=tests/fixtures/events/pull_request/90-closed-merged.json
run_record() {
  env -i PATH="$PATH" GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$payload" \
    GITHUB_REPOSITORY="bench/record-$1" GITHUB_BASE_REF=main GITHUB_REF_NAME=2/merge \
    GITHUB_WORKSPACE="$work" INPUT_SUPABASE-URL="$SUPABASE_URL" INPUT_SUPABASE-SERVICE-ROLE-KEY="$STACK_SECRET_KEY" \
    target/release/devmetrics record >/dev/null
}
before=$(wc -l < .stack/nginx/access.log)
run_record first
after=$(wc -l < .stack/nginx/access.log)
echo "requests made by one record: $((after - before)) (tables touched: pr_events, rule_compliance_events)"
echo "record wall time over 20 runs: $(wall_of_20 run_record) (goal <= 150 ms)"

echo "== one record with a 5 000-case JUnit file: HTTP requests and wall time (a merged PR; a push to main)"
# 5 000 cases in 50 suites: 1 % failed with a short trace, 1 % skipped (the record writes the
# test_runs totals and one test_case_results row per failed case; slow cases are the 10 slowest).
python3 - "$work/TEST-bench.xml" <<'PY'
import random, sys
rng = random.Random(7)
with open(sys.argv[1], "w") as out:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
    for s in range(50):
        out.write(f'<testsuite name="com.example.Suite{s}Test" tests="100">\n')
        for c in range(100):
            r = rng.random()
            out.write(f'<testcase classname="com.example.Suite{s}Test" name="case{c}" time="{rng.expovariate(50):.3f}"')
            if r < 0.01:
                out.write(f'><failure message="expected 1 but was 2">java.lang.AssertionError\n\tat com.example.Suite{s}Test.case{c}(Suite{s}Test.java:{10 + c})</failure></testcase>\n')
            elif r < 0.02:
                out.write('><skipped/></testcase>\n')
            else:
                out.write('/>\n')
        out.write('</testsuite>\n')
    out.write('</testsuites>\n')
PY
# The fixtures' push and merged PR are from 2019: moved to now, as in a real run, so that the
# event and the test run fall on one day (record refreshes each period of days its rows touched).
push="$work/push-now.json"
python3 - tests/fixtures/events/push/04-event.json "$push" <<'PY'
import datetime, json, sys
payload = json.load(open(sys.argv[1]))
now = datetime.datetime.now(datetime.timezone.utc)
payload["repository"]["pushed_at"] = int(now.timestamp())
for commit in payload.get("commits", []) + [payload.get("head_commit") or {}]:
    if "timestamp" in commit:
        commit["timestamp"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
json.dump(payload, open(sys.argv[2], "w"))
PY
merged="$work/merged-now.json"
python3 - tests/fixtures/events/pull_request/90-closed-merged.json "$merged" <<'PY'
import datetime, json, sys
payload = json.load(open(sys.argv[1]))
now = datetime.datetime.now(datetime.timezone.utc)
at = lambda hours_ago: (now - datetime.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
pr = payload["pull_request"]
pr["created_at"], pr["updated_at"], pr["closed_at"], pr["merged_at"] = at(5), at(0), at(0), at(0)
json.dump(payload, open(sys.argv[2], "w"))
PY
# run_record_junit push|pull_request N: one record of the event with the JUnit file, as the
# runner starts it (repository bench/junit-<event>-N-<pid>, a new one each run).
run_record_junit() {
  local event_env
  if [ "$1" = push ]; then
    event_env=(GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$push" GITHUB_REF=refs/heads/master GITHUB_REF_NAME=master)
  else
    event_env=(GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$merged" GITHUB_REF=refs/pull/2/merge
      GITHUB_REF_NAME=2/merge GITHUB_BASE_REF=main)
  fi
  # INPUT_LEG=0: the runner passes the input's default, `${{ strategy.job-index }}`, 0 outside a
  # matrix (an empty leg is derived from the reports: a second read of every file).
  env -i PATH="$PATH" GITHUB_ACTIONS=true "${event_env[@]}" INPUT_LEG=0 \
    GITHUB_REPOSITORY="bench/junit-$1-$2-$$" GITHUB_RUN_ID="$2" GITHUB_RUN_ATTEMPT=1 GITHUB_JOB=test \
    GITHUB_WORKSPACE="$work" INPUT_SUPABASE-URL="$SUPABASE_URL" INPUT_SUPABASE-SERVICE-ROLE-KEY="$STACK_SECRET_KEY" \
    INPUT_JUNIT-PATHS="$work/TEST-bench.xml" \
    target/release/devmetrics record >/dev/null
}
for event in pull_request push; do
  before=$(wc -l < .stack/nginx/access.log)
  run_record_junit "$event" 1
  after=$(wc -l < .stack/nginx/access.log)
  echo "requests made by one record of a $event with JUnit: $((after - before)), each with its time at the gateway:"
  sed -n "$((before + 1)),${after}p" .stack/nginx/access.log |
    sed -E 's#.*"([A-Z]+) /rest/v1/([a-z_/]*)[^"]*".* rt=([0-9.]+)$#  \1 \2 \3 s#'
  echo "record of a $event + 5 000-case JUnit, wall time over 20 runs: $(wall_of_20 run_record_junit "$event") (goal <= 50 ms; load $(cut -d' ' -f1 /proc/loadavg))"
done

echo "== binary"
ls -l target/release/devmetrics | awk '{printf "target/release/devmetrics (glibc, stripped): %.1f MiB\n", $5/1048576}'
musl=target/x86_64-unknown-linux-musl/release/devmetrics
if [ -x "$musl" ]; then
  ls -l "$musl" | awk '{printf "static musl binary, the one the image ships (stripped): %.1f MiB\n", $5/1048576}'
else
  echo "static musl binary: not built yet (scripts/check-action.sh builds it)"
fi
rm -rf "$work"
