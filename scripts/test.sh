#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what the local Supabase-like stack
# needs when it is missing (scripts/stack-deps.sh), starts the stack (scripts/stack.sh), runs
# every test against it, and stops it again, whatever happens. Extra arguments go to `cargo test`.
# Ends with one line: "<N> passed, <N> failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/stack-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
scripts/stack.sh up
trap 'scripts/stack.sh down >/dev/null 2>&1' EXIT
# shellcheck disable=SC1091
. .stack/env
# The examples (benchmarks) hold no tests, but must keep compiling.
cargo build --examples --quiet
# The runner harness (tests/integration/runner.rs) runs its cases in the container image too when
# a current one exists (`scripts/container.sh build` or `check`; .ci/run runs `check` first).
if [ -z "${DEVMETRICS_CONTAINER_RUNNER:-}" ] && runner=$(scripts/container.sh runner); then
    export DEVMETRICS_CONTAINER_RUNNER=$runner
fi
log=$(mktemp)
status=0
cargo test --lib --bins --tests "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .* ([0-9]+) failed' "$log" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo
echo "$passed passed, $failed failed"
exit "$status"
