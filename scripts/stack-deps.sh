#!/usr/bin/env bash
# Installs what the local stack needs, when it is missing (a fresh machine): nginx and
# PostgreSQL 15 from Debian, postrust (PostgREST-compatible server) from crates.io, once per
# machine; and for the report's test, Debian's chromium (headless) and node (which drives it).
# Quiet and quick when everything is there.
set -euo pipefail

POSTRUST_VERSION=3.1.0
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v nginx >/dev/null; then
  echo "stack-deps: installing nginx (Debian)"
  apt_install nginx
fi
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "stack-deps: installing postgresql-15 (Debian)"
  apt_install postgresql-15
fi
# The HTML report is opened in headless Chromium by tests/integration/report.rs.
if ! command -v chromium >/dev/null; then
  echo "stack-deps: installing chromium (Debian, for the HTML report's test)"
  apt_install chromium
fi
if ! command -v node >/dev/null; then
  echo "stack-deps: installing nodejs (Debian, drives chromium in the HTML report's test)"
  apt_install nodejs
fi
# postrust has no --version: ask cargo what it installed.
if ! cargo install --list | grep -q "^postrust-server v$POSTRUST_VERSION:"; then
  echo "stack-deps: installing postrust-server $POSTRUST_VERSION from crates.io (about 5 minutes on 2 cores)"
  cargo install postrust-server --version "$POSTRUST_VERSION" --quiet
fi
