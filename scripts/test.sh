#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what the local Supabase-like stack
# needs when it is missing (scripts/stack-deps.sh), starts the stack (scripts/stack.sh), runs
# every test against it, and stops it again, whatever happens. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/stack-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
scripts/stack.sh up
trap 'scripts/stack.sh down' EXIT
# shellcheck disable=SC1091
. .stack/env
cargo test --all-targets "$@"
