#!/usr/bin/env bash
# Bench: devmetrics' streaming JUnit reader against Python junitparser, on the same
# Surefire-style files of 10 MB, 100 MB and 1 GB (generated into bench/out/, gitignored).
# Prints, per file, wall time, throughput and peak RSS (/usr/bin/time -v) side by side.
#
#   bench/junit/run.sh                 # 10, 100 and 1000 MB
#   SIZES="10 100" bench/junit/run.sh  # a subset
#   JUNITPARSER_TIMEOUT=600            # seconds before junitparser is stopped (default 1200)
#   JUNITPARSER_MAX_MEMORY_MB=8000     # its address-space cap, so that it fails rather than
#                                      # pushing a shared machine into swap (default 12000)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench/out
SIZES=${SIZES:-"10 100 1000"}
JUNITPARSER_TIMEOUT=${JUNITPARSER_TIMEOUT:-1200}
JUNITPARSER_MAX_MEMORY_MB=${JUNITPARSER_MAX_MEMORY_MB:-12000}
mkdir -p "$OUT"

if [ ! -x /usr/bin/time ]; then
    apt-get update -qq && apt-get install -y -qq time
fi
if [ ! -x "$OUT/venv/bin/python" ]; then
    python3 -m venv "$OUT/venv"
fi
"$OUT/venv/bin/python" -c "import junitparser" 2>/dev/null || "$OUT/venv/bin/pip" install -q junitparser
JP_VERSION=$("$OUT/venv/bin/python" -c "import importlib.metadata as m; print(m.version('junitparser'))")

cargo build --release --example junit_bench
TARGET=${CARGO_TARGET_DIR:-target}
DM="$TARGET/release/examples/junit_bench"

# measure NAME CMD...: runs CMD under /usr/bin/time -v; prints "seconds peak_rss_mb status".
measure() {
    local log="$OUT/time.log"
    local status=0
    /usr/bin/time -v -o "$log" "$@" > "$OUT/stdout.log" 2>&1 || status=$?
    local rss_kb wall
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    echo "$wall $((rss_kb / 1024)) $status"
}

printf '%-10s %-22s %10s %10s %12s %s\n' file parser seconds "MB/s" "peak RSS" result
for mb in $SIZES; do
    file="$OUT/surefire-${mb}mb.xml"
    [ -s "$file" ] || python3 bench/junit/generate.py "$mb" "$file"
    bytes=$(stat -c %s "$file")
    read -r s rss st < <(measure "$DM" "$file")
    dm_out=$(cat "$OUT/stdout.log")
    dm_s=$s
    printf '%-10s %-22s %10.2f %10.1f %9s MB %s\n' "${mb}MB" "devmetrics" "$s" \
        "$(awk -v b="$bytes" -v s="$s" 'BEGIN { print (s > 0 ? b / 1e6 / s : 0) }')" "$rss" \
        "$( [ "$st" = 0 ] && echo "${dm_out#devmetrics }" || echo "exit $st")"
    read -r s rss st < <(measure bash -c 'ulimit -v $(($1 * 1024)); exec timeout "$2" "$3" bench/junit/junitparser_bench.py "$4"' \
        _ "$JUNITPARSER_MAX_MEMORY_MB" "$JUNITPARSER_TIMEOUT" "$OUT/venv/bin/python" "$file")
    jp_out=$(cat "$OUT/stdout.log" | tail -1)
    case "$st" in
        0) result="${jp_out#junitparser }" ;;
        124) result="stopped after ${JUNITPARSER_TIMEOUT}s" ;;
        *) result="exit $st (cap ${JUNITPARSER_MAX_MEMORY_MB} MB): $(tail -c 160 "$OUT/stdout.log" | tr '\n' ' ')" ;;
    esac
    printf '%-10s %-22s %10.2f %10.1f %9s MB %s\n' "${mb}MB" "junitparser $JP_VERSION" "$s" \
        "$(awk -v b="$bytes" -v s="$s" 'BEGIN { print (s > 0 ? b / 1e6 / s : 0) }')" "$rss" "$result"
    if [ "$st" = 0 ]; then
        printf '%-10s %-22s %10s\n' "${mb}MB" "speed-up (wall)" \
            "$(awk -v a="$s" -v b="$dm_s" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')"
    fi
done
