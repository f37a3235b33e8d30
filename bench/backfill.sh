#!/usr/bin/env bash
# Benchmark (not a test) of `devmetrics backfill`: BACKFILL_BENCH_PRS pull requests (default
# 500) with their first commits, reviews and timelines, served by the fake GitHub API of
# tests/integration/backfill/fake.rs on loopback, backfilled into local JSONL files (no
# database) 5 times. Prints how many GitHub API requests one run made (goal: ceil(N/50) + 10)
# and the median wall time. The binary is the debug build the integration tests use; the
# machine's load shows in the spread between min and max.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export BACKFILL_BENCH_PRS=${BACKFILL_BENCH_PRS:-500}
uptime
cargo test --test integration backfill::bench::bench_backfill_of_many_pull_requests -- --ignored --nocapture 2>&1 |
  grep -E '^backfill of|test result|panicked'
