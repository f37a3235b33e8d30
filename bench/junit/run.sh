#!/usr/bin/env bash
# Bench: devmetrics' streaming JUnit reader beside its two yardsticks, on the same files:
# Python junitparser (the parser of EnricoMi's action, whole tree) and a bare quick-xml event scan
# that only counts testcases, failures and skips (examples/junit_bench_scan.rs).
# Files (generated into bench/out/, gitignored): Surefire-style files of 10 MB, 100 MB and 1 GB
# (generate.py, about 220 bytes per case) and a case-dense file (generate_dense.py, 1 425 200
# cases of about 75 bytes, 106 MB). Prints, per file and parser, the median wall time of RUNS
# runs (after an untimed one, for the two fast readers) and the largest peak RSS (/usr/bin/time -v),
# the per-case time, and the ratios.
#
#   bench/junit/run.sh                       # 10, 100 and 1000 MB, and the dense file
#   SIZES="10 100" bench/junit/run.sh        # a subset (SIZES="" for the dense file alone)
#   DENSE=0                                  # leave the dense file out
#   RUNS=3                                   # runs per parser and file (default 3), median
#   JUNITPARSER_TIMEOUT=600                  # seconds before junitparser is stopped (default 1200)
#   JUNITPARSER_MAX_MEMORY_MB=8000           # its address-space cap, so that it fails rather than
#                                            # pushing a shared machine into swap (default 12000)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench/out
SIZES=${SIZES-"10 100 1000"}
DENSE=${DENSE:-1}
RUNS=${RUNS:-3}
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

cargo build --release --example junit_bench --example junit_bench_scan
TARGET=${CARGO_TARGET_DIR:-target}
DM="$TARGET/release/examples/junit_bench"
SCAN="$TARGET/release/examples/junit_bench_scan"

# measure CMD...: runs CMD under /usr/bin/time -v; prints "seconds peak_rss_mb status". The wall
# time is taken around it in nanoseconds (/usr/bin/time gives hundredths: too coarse for the 10 MB
# file's 0.02 s).
measure() {
    local log="$OUT/time.log"
    local status=0 start end
    start=$(date +%s%N)
    /usr/bin/time -v -o "$log" "$@" > "$OUT/stdout.log" 2>&1 || status=$?
    end=$(date +%s%N)
    local rss_kb wall
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.4f", ns / 1e9 }')
    echo "$wall $((rss_kb / 1024)) $status"
}

# median_of CMD...: RUNS runs; prints "median_seconds max_rss_mb status" and keeps the last
# run's output in $OUT/stdout.log.
median_of() {
    local walls=() rss=0 st=0 s r
    for _ in $(seq "$RUNS"); do
        read -r s r st < <(measure "$@")
        walls+=("$s")
        [ "$r" -gt "$rss" ] && rss=$r
        [ "$st" = 0 ] || break
    done
    s=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$s $rss $st"
}

# junitparser under its memory cap and time limit; the file is appended.
JP=(bash -c 'ulimit -v $(($1 * 1024)); exec timeout "$2" "$3" bench/junit/junitparser_bench.py "$4"'
    _ "$JUNITPARSER_MAX_MEMORY_MB" "$JUNITPARSER_TIMEOUT" "$OUT/venv/bin/python")

row() { # label parser seconds rss cases result
    printf '%-12s %-20s %8.3f %9.2f %8s MB  %s\n' "$1" "$2" "$3" \
        "$(awk -v s="$3" -v c="$5" 'BEGIN { print (c > 0 ? s / c * 1e6 : 0) }')" "$4" "$6"
}

files=()
for mb in $SIZES; do
    f="$OUT/surefire-${mb}mb.xml"
    [ -s "$f" ] || python3 bench/junit/generate.py "$mb" "$f"
    files+=("${mb}MB:$f")
done
if [ "$DENSE" = 1 ]; then
    f="$OUT/dense-1425200.xml"
    [ -s "$f" ] || python3 bench/junit/generate_dense.py "$f" 1425200
    files+=("dense:$f")
fi

echo "median of $RUNS runs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %-20s %8s %9s %11s  %s\n' file parser seconds "us/case" "peak RSS" result
for entry in "${files[@]}"; do
    label=${entry%%:*}
    file=${entry#*:}
    # One untimed run first for the two fast readers: their first run after junitparser's
    # (which frees 0.5-1 GB) was up to 40 % slower on this machine; junitparser's own runs
    # last seconds each.
    "$DM" "$file" > /dev/null 2>&1 || true
    read -r dm_s rss st < <(median_of "$DM" "$file")
    out=$(cat "$OUT/stdout.log")
    cases=$(sed -n 's/.*testcases=\([0-9]*\).*/\1/p' <<< "$out")
    row "$label" devmetrics "$dm_s" "$rss" "${cases:-0}" "$( [ "$st" = 0 ] && echo "${out#devmetrics }" || echo "exit $st")"
    "$SCAN" "$file" > /dev/null 2>&1 || true
    read -r scan_s rss st < <(median_of "$SCAN" "$file")
    out=$(cat "$OUT/stdout.log")
    row "$label" "bare quick-xml scan" "$scan_s" "$rss" "${cases:-0}" "$( [ "$st" = 0 ] && echo "${out#bare-scan }" || echo "exit $st")"
    read -r jp_s rss st < <(median_of "${JP[@]}" "$file")
    case "$st" in
        0) result=$(tail -1 "$OUT/stdout.log"); result=${result#junitparser } ;;
        124) result="stopped after ${JUNITPARSER_TIMEOUT}s" ;;
        *) result="exit $st (cap ${JUNITPARSER_MAX_MEMORY_MB} MB): $(tail -c 160 "$OUT/stdout.log" | tr '\n' ' ')" ;;
    esac
    row "$label" "junitparser $JP_VERSION" "$jp_s" "$rss" "${cases:-0}" "$result"
    printf '%-12s %-20s %s\n' "$label" "ratios (wall)" "$(awk -v d="$dm_s" -v s="$scan_s" -v j="$jp_s" -v st="$st" \
        'BEGIN { printf "devmetrics / bare scan %.2fx", (s > 0 ? d / s : 0); if (st == 0) printf ", junitparser / devmetrics %.1fx", (d > 0 ? j / d : 0) }')"
done
