#!/usr/bin/env bash
# The container image, built and run the way GitHub's runner runs a container action, with
# Debian's podman (no Docker engine and no container registry are reachable here).
#
#   scripts/container.sh build                         build localhost/devmetrics:test
#   scripts/container.sh run <workspace> <env-file>    run it as the runner does
#   scripts/container.sh runner                        print the `run` command when the image is current
#   scripts/container.sh check                         build, then --version and `record` in the image
#
# build: installs podman and runc when missing (apt-get, as root), writes .container/containers.conf
#   (runtime runc: crun refuses this machine's hybrid cgroups; ulimits within the hard limits) and
#   builds the image from the Dockerfile's LAST stage, which must be `FROM scratch`: base images
#   cannot be pulled, so the builder stage does not run here. Its two products come from this
#   machine instead: `/devmetrics` is the x86_64-unknown-linux-musl release binary (the one
#   scripts/check-action.sh builds and checks; cargo reuses it), any other path (the CA bundle) is
#   the same file of this Debian bookworm machine, as in the rust:1-bookworm builder. The build
#   context is generated under .container/context: its Containerfile is the Dockerfile's last
#   stage verbatim, except that each `COPY --from=<stage> <src> <dest>` becomes
#   `COPY from-<stage><src> <dest>`. ENTRYPOINT, ENV, USER, WORKDIR and labels are the Dockerfile's.
#
# run <workspace> <env-file>: `podman run --rm --network host -v <workspace>:/github/workspace
#   -w /github/workspace --env-file <env-file> localhost/devmetrics:test`; stdout, stderr and the
#   exit code are the container's (podman's own failures: 125-127). The contract for callers
#   (tests/integration/runner.rs):
#   - the env file holds one `NAME=VALUE` line per variable, nothing else reaches the container
#     (not even PATH); names may hold dashes (`INPUT_SUPABASE-URL=...`, as the runner passes them);
#     the value is everything after the first `=`, kept byte for byte (spaces, `=`), so a value
#     cannot hold a line break; empty lines and lines starting with `#` are skipped;
#   - paths in values are paths INSIDE the container: the workspace directory is mounted at
#     /github/workspace and nothing else of the host is, so `<workspace>/x` is written
#     `/github/workspace/x` (GITHUB_WORKSPACE=/github/workspace; the payload, GITHUB_STEP_SUMMARY
#     and GITHUB_OUTPUT must be files inside the workspace). A value naming the host's workspace
#     path is refused;
#   - the network is the host's: loopback URLs (the local stack, a fake GitHub API) work as given.
#
# runner: prints `<repo>/scripts/container.sh run` and exits 0 when the image exists as the last
#   `build` left it and nothing in src/, Cargo.toml, Cargo.lock or the Dockerfile changed since;
#   else says why on stderr and exits 1. scripts/test.sh exports its output as
#   DEVMETRICS_CONTAINER_RUNNER, so the runner harness also runs its cases in the image whenever a
#   current image exists (in CI: .ci/run runs `check` just before scripts/test.sh).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export PATH="$HOME/.cargo/bin:$PATH"

IMAGE=localhost/devmetrics:test
TARGET=x86_64-unknown-linux-musl
state=$repo/.container
conf=$state/containers.conf
stamp=$state/image-id
bin="${CARGO_TARGET_DIR:-$repo/target}/$TARGET/release/devmetrics"

say() { echo "container: $*" >&2; }
die() { echo "container: error: $*" >&2; exit 1; }

usage() {
    sed -n '5,8p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
    exit 2
}

apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        die "$* missing (help: sudo apt-get install --no-install-recommends $*)"
    fi
    say "installing $* (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}

# podman with runc (podman depends on crun | runc and takes crun, which refuses hybrid cgroups).
ensure_podman() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    [ "${#missing[@]}" = 0 ] || apt_install "${missing[@]}"
}

write_conf() {
    mkdir -p "$state"
    cat >"$conf" <<'EOF'
# Written by scripts/container.sh. crun refuses this machine's cgroups ("cgroups in hybrid mode
# not supported"); podman's default ulimits exceed the hard limits (setrlimit: not permitted).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF
}

use_conf() {
    [ -f "$conf" ] || die "no $conf (help: scripts/container.sh build)"
    export CONTAINERS_CONF=$conf
}

# The static binary, built as scripts/check-action.sh builds it (a no-op after that script ran).
static_binary() {
    if ! rustup target list --installed | grep -qx "$TARGET"; then
        rustup target add "$TARGET" || die "the $TARGET target could not be installed with rustup"
    fi
    if [ -z "${CC_x86_64_unknown_linux_musl:-}" ] && ! command -v x86_64-linux-musl-gcc >/dev/null; then
        apt_install musl-tools
    fi
    say "cargo build --release --locked --target $TARGET"
    cargo build --release --locked --target "$TARGET" --quiet
    [ -x "$bin" ] || die "no binary at $bin after the build"
    case "$(ldd "$bin" 2>&1 || true)" in
    *"not a dynamic executable"* | *"statically linked"*) ;;
    *) die "$bin is not static" ;;
    esac
}

# .container/context: the Dockerfile's last stage, with COPY --from=<stage> reading local files.
make_context() {
    local context=$state/context
    rm -rf "$context"
    mkdir -p "$context"
    python3 - Dockerfile "$context" "$bin" <<'PY'
import os, re, shutil, sys

dockerfile, context, binary = sys.argv[1:4]
def die(msg):
    print(f"container: error: {msg}", file=sys.stderr)
    sys.exit(1)

lines = open(dockerfile).read().splitlines()
froms = [i for i, l in enumerate(lines) if re.match(r"\s*FROM\s", l, re.I)]
if not froms:
    die(f"{dockerfile} has no FROM")
stages = set()
for i in froms[:-1]:
    m = re.match(r"\s*FROM\s+\S+\s+AS\s+(\S+)\s*$", lines[i], re.I)
    if m:
        stages.add(m.group(1).lower())
last = froms[-1]
if not re.fullmatch(r"\s*FROM\s+scratch(\s+AS\s+\S+)?\s*", lines[last], re.I):
    die(f"the last stage of {dockerfile} is `{lines[last].strip()}` (line {last + 1}), not "
        "`FROM scratch`: only a scratch stage builds here (no base image can be pulled)")
out = []
for n, line in enumerate(lines[last:], start=last + 1):
    words = line.split()
    instruction = words[0].upper() if words and not line.lstrip().startswith("#") else ""
    if line.rstrip().endswith("\\") and instruction:
        die(f"{dockerfile}:{n}: a continued line in the last stage is not supported here")
    if instruction in ("COPY", "ADD"):
        flags = [w for w in words[1:] if w.startswith("--")]
        paths = [w for w in words[1:] if not w.startswith("--")]
        source = [f for f in flags if f.lower().startswith("--from=")]
        if instruction != "COPY" or not source or len(paths) != 2 or paths[0].startswith("["):
            die(f"{dockerfile}:{n}: `{line.strip()}`: only `COPY --from=<stage> <path> <dest>` "
                "is supported in the last stage (the build context is generated)")
        stage = source[0].split("=", 1)[1].lower()
        if stage not in stages:
            die(f"{dockerfile}:{n}: --from={stage} is not a stage of {dockerfile} (an image "
                "cannot be pulled here)")
        src = paths[0]
        # The builder puts the binary at /devmetrics; anything else (the CA bundle) is the same
        # file of this Debian machine.
        local = binary if os.path.basename(src) == "devmetrics" else src
        if not os.path.isfile(local):
            die(f"{dockerfile}:{n}: {src} of stage {stage} has no local counterpart {local}")
        rel = f"from-{stage}/{src.lstrip('/')}"
        os.makedirs(os.path.dirname(os.path.join(context, rel)), exist_ok=True)
        shutil.copy2(local, os.path.join(context, rel))
        keep = [f for f in flags if f not in source]
        line = " ".join(["COPY", *keep, rel, paths[1]])
        print(f"  {dockerfile}:{n}: COPY {rel} <- {local}", file=sys.stderr)
    out.append(line)
with open(os.path.join(context, "Containerfile"), "w") as f:
    f.write("\n".join(out) + "\n")
PY
}

build() {
    ensure_podman
    write_conf
    use_conf
    static_binary
    say "build context from the Dockerfile's last stage"
    make_context
    local old new
    old=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
    say "podman build -t $IMAGE (.container/context)"
    podman build --quiet --pull=never -t "$IMAGE" -f "$state/context/Containerfile" "$state/context" >/dev/null
    new=$(podman image inspect --format '{{.Id}}' "$IMAGE")
    if [ -n "$old" ] && [ "$old" != "$new" ]; then
        podman rmi "$old" >/dev/null 2>&1 || true
    fi
    echo "$new" >"$stamp"
    say "built $IMAGE ${new:0:12}: $(podman image inspect --format \
        'entrypoint {{json .Config.Entrypoint}}, user "{{.Config.User}}", workdir "{{.Config.WorkingDir}}"' "$IMAGE")"
}

# Exits 1 (saying why) unless the image is the one the last build made, from the current sources.
current() {
    command -v podman >/dev/null || { say "podman is not installed"; return 1; }
    if [ ! -f "$stamp" ] || [ ! -f "$conf" ]; then
        say "no image built (scripts/container.sh build)"
        return 1
    fi
    export CONTAINERS_CONF=$conf
    local id
    id=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null) \
        || { say "$IMAGE does not exist (scripts/container.sh build)"; return 1; }
    [ "$id" = "$(cat "$stamp")" ] || { say "$IMAGE is not the last build (scripts/container.sh build)"; return 1; }
    local newer
    newer=$(find src Cargo.toml Cargo.lock Dockerfile -newer "$stamp" -print -quit)
    [ -z "$newer" ] || { say "$IMAGE is older than $newer (scripts/container.sh build)"; return 1; }
}

run() {
    [ "$#" = 2 ] || usage
    local ws env_file line n=0
    ws=$(cd "$1" 2>/dev/null && pwd) || die "workspace $1 is not a directory"
    env_file=$2
    [ -f "$env_file" ] || die "env file $env_file does not exist"
    use_conf
    # Enforce the contract: NAME=VALUE lines only (a bare NAME would import the host's value),
    # and container paths only.
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        case "$line" in '' | '#'*) continue ;; esac
        [[ "$line" =~ ^[^=[:space:]]+= ]] \
            || die "$env_file:$n: not a NAME=VALUE line: $line"
        case "${line#*=}" in
        *"$ws"*) die "$env_file:$n: ${line%%=*} names the host path $ws; inside the container the workspace is /github/workspace" ;;
        esac
    done <"$env_file"
    exec podman run --rm --pull=never --network host \
        -v "$ws:/github/workspace" -w /github/workspace \
        --env-file "$env_file" "$IMAGE"
}

# Every action.yml input at its default, the GITHUB_* variables of a pull_request event, as the
# runner sets them, for a payload at /github/workspace/<payload>. `${{ ... }}` defaults
# (github-token) evaluate to empty: no GitHub API is reachable here.
check_env() {
    local python=python3
    if ! python3 -c 'import yaml' 2>/dev/null; then
        python=$repo/.stack/action-lint/bin/python
        "$python" -c 'import yaml' 2>/dev/null \
            || die "python3 cannot import yaml (help: apt-get install python3-yaml, or run scripts/check-action.sh first)"
    fi
    "$python" - action.yml "$1" "$2" <<'PY'
import json, re, sys, yaml
action_yml, payload_path, inside = sys.argv[1:4]
action = yaml.safe_load(open(action_yml))
payload = json.load(open(payload_path))
pr = payload["pull_request"]
env = {
    "CI": "true",
    "HOME": "/github/home",
    "GITHUB_ACTIONS": "true",
    "GITHUB_EVENT_NAME": "pull_request",
    "GITHUB_EVENT_PATH": inside,
    "GITHUB_WORKSPACE": "/github/workspace",
    "GITHUB_STEP_SUMMARY": "/github/workspace/_runner/step_summary",
    "GITHUB_OUTPUT": "/github/workspace/_runner/output",
    "GITHUB_REPOSITORY": payload["repository"]["full_name"],
    "GITHUB_REF": f"refs/pull/{pr['number']}/merge",
    "GITHUB_REF_NAME": f"{pr['number']}/merge",
    "GITHUB_BASE_REF": pr["base"]["ref"],
    "GITHUB_HEAD_REF": pr["head"]["ref"],
    "GITHUB_SHA": pr["merge_commit_sha"] or pr["head"]["sha"],
    "GITHUB_RUN_ID": "1",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_JOB": "record",
    "GITHUB_ACTOR": payload["sender"]["login"],
    "GITHUB_API_URL": "https://api.github.com",
    "GITHUB_SERVER_URL": "https://github.com",
    "RUNNER_OS": "Linux",
}
for name, spec in action["inputs"].items():
    default = str((spec or {}).get("default", ""))
    default = re.sub(r"\$\{\{.*?\}\}", "", default)
    env["INPUT_" + name.replace(" ", "_").upper()] = default
for name, value in env.items():
    assert "\n" not in value, name
    print(f"{name}={value}")
PY
}

check() {
    build
    use_conf
    say "--version in the image"
    local version
    version=$(podman run --rm --pull=never "$IMAGE" --version)
    echo "$version"
    case "$version" in devmetrics\ *) ;; *) die "--version printed no version" ;; esac

    local ws=$state/check payload=tests/fixtures/events/pull_request/90-closed-merged.json
    rm -rf "$ws"
    mkdir -p "$ws/_runner"
    cp "$payload" "$ws/_runner/event.json"
    : >"$ws/_runner/step_summary"
    : >"$ws/_runner/output"
    check_env "$payload" /github/workspace/_runner/event.json >"$state/check.env"
    say "record in the image: $payload, every input at its default, no secrets (workspace $ws)"
    local status=0
    "$repo/scripts/container.sh" run "$ws" "$state/check.env" || status=$?
    [ "$status" = 0 ] || die "record in the image exited $status (env: $state/check.env, workspace: $ws)"
    local rows
    rows=$(cat "$ws"/development-metrics/*.jsonl 2>/dev/null | wc -l)
    [ "$rows" -gt 0 ] || die "record in the image wrote no rows to $ws/development-metrics/*.jsonl"
    [ -s "$ws/_runner/step_summary" ] || die "record in the image left the step summary empty"
    grep -qx 'sink=jsonl' "$ws/_runner/output" || die "GITHUB_OUTPUT has no sink=jsonl line"
    say "ok: exit 0, $rows row(s) in development-metrics/, summary $(wc -c <"$ws/_runner/step_summary") bytes"
}

case "${1:-}" in
build) build ;;
run) shift; run "$@" ;;
runner) current && echo "$repo/scripts/container.sh run" ;;
check) check ;;
*) usage ;;
esac
