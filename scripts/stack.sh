#!/usr/bin/env bash
# A Supabase-like stack on loopback, for tests and for the `local` environment.
#
#   scripts/stack.sh up      start PostgreSQL 15 (throwaway cluster), postrust, nginx
#   scripts/stack.sh down    stop them and delete the cluster
#   scripts/stack.sh status  say what runs
#
# What it stands up, as Supabase does (see docs/architecture.md, "The local stack"):
#   - PostgreSQL 15 on 127.0.0.1:$STACK_PG_PORT with Supabase's roles: anon, authenticated,
#     service_role (BYPASSRLS), authenticator (LOGIN, NOINHERIT, granted the three), and
#     migrations/ applied in order;
#   - postrust (crates.io postrust-server, PostgREST-compatible) on 127.0.0.1:$STACK_REST_PORT,
#     logging in as authenticator and switching to the JWT's role;
#   - nginx on 127.0.0.1:$STACK_GATEWAY_PORT (54321, as `supabase start`) serving /rest/v1/,
#     requiring a known `apikey`: legacy JWT keys are forwarded with the client's Authorization,
#     an `sb_secret_…` key is swapped for a service_role JWT, unknown or missing keys get 401.
#
# After `up`, $STACK_DIR/env holds the URL, keys and libpq settings (source it).
# Requires: PostgreSQL 15 server binaries, nginx, postrust, python3 (to sign the JWTs).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$repo/.stack}
STACK_PG_PORT=${STACK_PG_PORT:-54322}
STACK_REST_PORT=${STACK_REST_PORT:-54330}
STACK_GATEWAY_PORT=${STACK_GATEWAY_PORT:-54321}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v pg_ctl)")}
POSTRUST=${POSTRUST:-$(command -v postrust || echo "$HOME/.cargo/bin/postrust")}
# Local-only secrets: the same fixed values `supabase start` style stacks use for development.
JWT_SECRET=${STACK_JWT_SECRET:-super-secret-jwt-token-with-at-least-32-characters-long}
SECRET_KEY=${STACK_SECRET_KEY:-sb_secret_devmetricsLocalStackOnly0000000000}

say() { echo "stack: $*" >&2; }
die() { echo "stack: error: $*" >&2; exit 1; }

need() {
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 server binaries not found in $PG_BIN (help: apt-get install postgresql-15)"
  command -v nginx >/dev/null || die "nginx not found (help: apt-get install nginx)"
  [ -x "$POSTRUST" ] || die "postrust not found (help: cargo install postrust-server --version 3.1.0)"
  command -v python3 >/dev/null || die "python3 not found (needed to sign the local JWTs)"
}

# An HS256 JWT for a role, signed with the stack's secret, valid for ten years.
jwt() {
  python3 - "$JWT_SECRET" "$1" <<'PY'
import base64, hashlib, hmac, json, sys, time
secret, role = sys.argv[1], sys.argv[2]
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
body = b64(json.dumps({"iss": "supabase-demo", "role": role, "iat": now, "exp": now + 315360000},
                      separators=(",", ":")).encode())
sig = b64(hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
print(f"{head}.{body}.{sig}")
PY
}

psql_admin() {
  runuser -u postgres -- "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$STACK_PG_PORT" -U postgres "$@"
}

wait_http() { # url what
  for _ in $(seq 1 100); do
    if python3 - "$1" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass  # any HTTP answer means it is up
PY
    sleep 0.1
  done
  die "$2 did not answer at $1 (logs: $STACK_DIR/*.log)"
}

port_free() { # port
  ! python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

up() {
  need
  if [ -f "$STACK_DIR/env" ]; then down >/dev/null 2>&1 || true; fi
  for port in "$STACK_PG_PORT" "$STACK_REST_PORT" "$STACK_GATEWAY_PORT"; do
    port_free "$port" || die "port $port on 127.0.0.1 is in use (another stack, or supabase start?): stop it, or set STACK_PG_PORT / STACK_REST_PORT / STACK_GATEWAY_PORT"
  done
  # A failed start leaves nothing running behind it.
  trap 'echo "stack: start failed, cleaning up" >&2; down >/dev/null 2>&1' EXIT
  mkdir -p "$STACK_DIR/nginx/tmp"
  pgdata=$(mktemp -d /tmp/devmetrics-pg.XXXXXX)
  chown postgres: "$pgdata"
  echo "$pgdata" > "$STACK_DIR/pgdata"

  say "postgresql 15 on 127.0.0.1:$STACK_PG_PORT ($pgdata)"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$pgdata" -A trust -U postgres >"$STACK_DIR/initdb.log" 2>&1 \
    || die "initdb failed: $(tail -3 "$STACK_DIR/initdb.log")"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" -l "$pgdata/postgres.log" -w \
    -o "-p $STACK_PG_PORT -k $pgdata -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || die "postgres did not start: $(tail -5 "$pgdata/postgres.log")"

  psql_admin <<'SQL'
-- Supabase's API roles.
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator noinherit login password 'authenticator-local-only';
grant anon, authenticated, service_role to authenticator;
grant usage on schema public to anon, authenticated, service_role;
SQL
  for f in "$repo"/migrations/*.sql; do
    psql_admin -f "$f" >/dev/null 2>"$STACK_DIR/migration.err" \
      || die "migration $(basename "$f") failed: $(cat "$STACK_DIR/migration.err")"
  done
  say "migrations applied: $(ls "$repo"/migrations/*.sql | wc -l)"

  anon=$(jwt anon); service=$(jwt service_role); authenticated=$(jwt authenticated)

  say "postrust on 127.0.0.1:$STACK_REST_PORT"
  PGRST_DB_URI="postgres://authenticator:authenticator-local-only@127.0.0.1:$STACK_PG_PORT/postgres" \
  PGRST_DB_SCHEMAS=public,metrics PGRST_DB_ANON_ROLE=anon PGRST_JWT_SECRET="$JWT_SECRET" \
  PGRST_SERVER_HOST=127.0.0.1 PGRST_SERVER_PORT="$STACK_REST_PORT" PGRST_COMPAT_MODE=true \
  PGRST_DB_CHANNEL_ENABLED=true PGRST_MAX_BODY_SIZE=52428800 \
    nohup "$POSTRUST" >"$STACK_DIR/postrust.log" 2>&1 &
  echo $! > "$STACK_DIR/postrust.pid"
  wait_http "http://127.0.0.1:$STACK_REST_PORT/healthz" postrust

  say "nginx gateway on 127.0.0.1:$STACK_GATEWAY_PORT/rest/v1"
  cat > "$STACK_DIR/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon on;
pid $STACK_DIR/nginx/nginx.pid;
error_log $STACK_DIR/nginx/error.log warn;
events { worker_connections 512; }
http {
  # The combined format, plus each request's time in seconds (bench/write.sh reads it).
  log_format timed '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status '
                   '\$body_bytes_sent "\$http_referer" "\$http_user_agent" rt=\$request_time';
  access_log $STACK_DIR/nginx/access.log timed;
  client_body_temp_path $STACK_DIR/nginx/tmp/body;
  proxy_temp_path $STACK_DIR/nginx/tmp/proxy;
  fastcgi_temp_path $STACK_DIR/nginx/tmp/fastcgi;
  uwsgi_temp_path $STACK_DIR/nginx/tmp/uwsgi;
  scgi_temp_path $STACK_DIR/nginx/tmp/scgi;
  client_max_body_size 50m;
  # Request bodies up to 1 MiB stay in memory. A body nginx spools to a temp file (over 16 KiB by
  # default) reaches postrust in a second write that waits about 40 ms for the first one's
  # delayed ACK: a 38 KB POST took 50 ms through the gateway and 5 ms straight to postrust.
  client_body_buffer_size 1m;
  map_hash_bucket_size 512;
  keepalive_requests 10000;

  # Which kind of key the apikey header holds. Unknown and missing keys are refused.
  map \$http_apikey \$apikey_kind {
    default unknown;
    "$anon" legacy;
    "$service" legacy;
    "$SECRET_KEY" secret;
  }
  # A secret key is swapped for a service_role JWT, as Supabase's gateway does.
  map \$http_apikey \$secret_authorization {
    default "";
    "$SECRET_KEY" "Bearer $service";
  }
  map \$http_user_agent \$browser_agent {
    default 0;
    "~*^Mozilla/" 1;
  }
  upstream postrust { server 127.0.0.1:$STACK_REST_PORT; keepalive 16; }

  server {
    listen 127.0.0.1:$STACK_GATEWAY_PORT;
    default_type application/json;
    location /rest/v1/ {
      if (\$apikey_kind = unknown) {
        return 401 '{"message":"Invalid API key","hint":"Double check your Supabase \`anon\` or \`service_role\` API key."}';
      }
      set \$secret_from_browser "\$apikey_kind:\$browser_agent";
      if (\$secret_from_browser = "secret:1") {
        return 401 '{"message":"Forbidden use of secret API key in browser"}';
      }
      set \$forward_authorization \$http_authorization;
      if (\$apikey_kind = secret) {
        set \$forward_authorization \$secret_authorization;
      }
      proxy_set_header Authorization \$forward_authorization;
      proxy_set_header apikey "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://postrust/;
    }
    location / { return 404 '{"message":"no Route matched with those values"}'; }
  }
}
NGINX
  nginx -c "$STACK_DIR/nginx/nginx.conf" -p "$STACK_DIR/nginx" -e "$STACK_DIR/nginx/error.log" \
    || die "nginx did not start: $(tail -3 "$STACK_DIR/nginx/error.log")"
  wait_http "http://127.0.0.1:$STACK_GATEWAY_PORT/rest/v1/" nginx

  umask 077
  cat > "$STACK_DIR/env" <<ENV
export SUPABASE_URL=http://127.0.0.1:$STACK_GATEWAY_PORT
export STACK_REST_URL=http://127.0.0.1:$STACK_REST_PORT
export STACK_ANON_KEY=$anon
export STACK_SERVICE_ROLE_KEY=$service
export STACK_AUTHENTICATED_JWT=$authenticated
export STACK_SECRET_KEY=$SECRET_KEY
export STACK_JWT_SECRET=$JWT_SECRET
export STACK_PG_PORT=$STACK_PG_PORT
export STACK_PG_BIN=$PG_BIN
export STACK_DIR=$STACK_DIR
export STACK_POSTRUST=$POSTRUST
ENV
  trap - EXIT
  say "up: source $STACK_DIR/env"
}

down() {
  if [ -f "$STACK_DIR/nginx/nginx.pid" ]; then
    nginx -c "$STACK_DIR/nginx/nginx.conf" -p "$STACK_DIR/nginx" -e "$STACK_DIR/nginx/error.log" -s stop 2>/dev/null || true
  fi
  if [ -f "$STACK_DIR/postrust.pid" ]; then
    kill "$(cat "$STACK_DIR/postrust.pid")" 2>/dev/null || true
    rm -f "$STACK_DIR/postrust.pid"
  fi
  if [ -f "$STACK_DIR/pgdata" ]; then
    pgdata=$(cat "$STACK_DIR/pgdata")
    if [ -d "$pgdata" ]; then
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$pgdata"
    fi
    rm -f "$STACK_DIR/pgdata"
  fi
  rm -f "$STACK_DIR/env"
  say "down"
}

status() {
  [ -f "$STACK_DIR/env" ] || { echo "stack: not up"; return 1; }
  echo "stack: up ($STACK_DIR/env)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: scripts/stack.sh up|down|status" >&2; exit 2 ;;
esac
