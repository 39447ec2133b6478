#!/usr/bin/env bash
# Whole-process benchmark of `nines check` (issue 2, "Performance").
#
#   bench/run.sh                 # N = 100 1000 5000, 5 runs each, plus one bundled example
#   SIZES="1000" RUNS=10 bench/run.sh
#
# Environment:
#   SIZES    component counts to generate (default "100 1000 5000")
#   SEED     generator seed (default 1)
#   RUNS     timed runs per model (default 5; fewer when one run takes > 5 s)
#   TIMEOUT  seconds before one run is abandoned (default 300; needs `timeout`)
#   KEEP     directory to keep the generated models in (default: a temp dir, removed)
#
# Uses hyperfine when installed, else a bash loop over `date +%s%N`; peak RSS
# from GNU `/usr/bin/time -v` when available. Needs only Rust otherwise.
# Targets: bundled example ≤ 20 ms, 1,000 components ≤ 150 ms, 5,000 ≤ 1 s; with load
# and latency (`gen_layered 1000 --latency`, issue 3) ≤ 1 s.
# Last, the DSL row (issue 4): a 10,000-component .nines file must reach the model
# (read, parse, build, cycle check; no analysis) in ≤ 200 ms, timed in-process by
# examples/load_time.rs (median and minimum of RUNS loads).
set -euo pipefail

cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100 1000 5000"}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
TIMEOUT=${TIMEOUT:-300}

echo "building (release)…" >&2
cargo build --release --quiet --bin nines --example gen_layered --example load_time
target_dir=$(cargo metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
target_dir=${target_dir:-target}
NINES="$target_dir/release/nines"
GEN="$target_dir/release/examples/gen_layered"
LOAD="$target_dir/release/examples/load_time"

if [[ -n "${KEEP:-}" ]]; then
    work=$KEEP
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

have() { command -v "$1" >/dev/null 2>&1; }
HAVE_TIMEOUT=0; have timeout && HAVE_TIMEOUT=1
HAVE_HYPERFINE=0; have hyperfine && HAVE_HYPERFINE=1
HAVE_GNU_TIME=0
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then HAVE_GNU_TIME=1; fi

run_once() { # FILE → runs nines check, prints its exit code
    local rc=0
    if ((HAVE_TIMEOUT)); then
        timeout "$TIMEOUT" "$NINES" check "$1" >/dev/null 2>&1 || rc=$?
    else
        "$NINES" check "$1" >/dev/null 2>&1 || rc=$?
    fi
    echo "$rc"
}

median() { # numbers on stdin → median
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Prints "median_ms exit_code runs".
time_model() {
    local file=$1 rc t0 t1 first_ms runs
    # One untimed-for-the-median warm-up run also tells us the exit code and the scale.
    t0=$(date +%s%N); rc=$(run_once "$file"); t1=$(date +%s%N)
    first_ms=$(( (t1 - t0) / 1000000 ))
    if [[ $rc == 124 ]]; then echo ">${TIMEOUT}000 $rc 0"; return; fi
    runs=$RUNS
    (( first_ms > 5000 )) && runs=1
    if ((HAVE_HYPERFINE)) && (( runs > 1 )); then
        local json="$work/hf.json"
        hyperfine --style none --warmup 1 --runs "$runs" -i --export-json "$json" \
            "$NINES check '$file'" >/dev/null 2>&1
        local med
        med=$(tr ',' '\n' < "$json" | sed -n 's/.*"median":[ ]*\([0-9.eE+-]*\).*/\1/p' | head -1)
        echo "$(awk -v s="$med" 'BEGIN { printf "%.1f", s * 1000 }') $rc $runs"
        return
    fi
    local times=()
    if (( runs == 1 )); then
        times=("$first_ms")
    else
        for ((i = 0; i < runs; i++)); do
            t0=$(date +%s%N); run_once "$file" >/dev/null; t1=$(date +%s%N)
            times+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')")
        done
    fi
    echo "$(printf '%s\n' "${times[@]}" | median) $rc $runs"
}

peak_rss() { # FILE → peak RSS in MiB, or n/a
    if ! ((HAVE_GNU_TIME)); then echo "n/a"; return; fi
    local log="$work/time.log"
    /usr/bin/time -v -o "$log" "$NINES" check "$1" >/dev/null 2>&1 || true
    awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log"
}

# name|file|components|target_ms
rows=()
example=$(ls examples/*.yaml 2>/dev/null | head -1 || true)
if [[ -n "$example" ]]; then
    rows+=("$(basename "$example")|$example|-|20")
else
    echo "note: no bundled example (examples/*.yaml) found; skipping the 20 ms row" >&2
fi
for n in $SIZES; do
    file="$work/layered-$n.yaml"
    "$GEN" "$n" --seed "$SEED" > "$file"
    target=-
    case $n in 1000) target=150 ;; 5000) target=1000 ;; esac
    rows+=("layered n=$n seed=$SEED|$file|$n|$target")
done
# Issue 3: the whole check with load and latency on 1,000 generated components, ≤ 1 s.
latency_model="$work/layered-1000-latency.yaml"
"$GEN" 1000 --seed "$SEED" --latency > "$latency_model"
rows+=("latency n=1000 seed=$SEED|$latency_model|1000|1000")

echo "timer: $( ((HAVE_HYPERFINE)) && echo hyperfine || echo 'bash loop (date +%s%N)'), runs per model: $RUNS," \
     "RSS: $( ((HAVE_GNU_TIME)) && echo '/usr/bin/time -v' || echo unavailable), cpus: $(nproc 2>/dev/null || echo '?')" >&2
printf '%-26s %8s %12s %10s %5s %5s %10s %s\n' model bytes median_ms peak_MiB exit runs target_ms verdict
missed=0
for row in "${rows[@]}"; do
    IFS='|' read -r name file n target <<< "$row"
    read -r med rc runs <<< "$(time_model "$file")"
    rss=n/a
    [[ $rc != 124 ]] && rss=$(peak_rss "$file")
    verdict=-
    if [[ $rc == 124 ]]; then
        verdict="MISSED (timed out)"; missed=1; rss=n/a
    elif [[ $rc != 0 && $rc != 1 ]]; then
        verdict="FAILED (exit $rc)"; missed=1
    elif [[ $target != - ]]; then
        if awk -v m="$med" -v t="$target" 'BEGIN { exit !(m <= t) }'; then verdict=ok; else verdict=MISSED; missed=1; fi
    fi
    printf '%-26s %8s %12s %10s %5s %5s %10s %s\n' "$name" "$(wc -c < "$file")" "$med" "$rss" "$rc" "$runs" "$target" "$verdict"
done

# DSL: time to reach the model for 10,000 components (parse + build, no analysis).
dsl="$work/layered-10000.nines"
"$GEN" 10000 --seed "$SEED" --dsl > "$dsl"
read -r dsl_med dsl_min <<< "$("$LOAD" "$dsl" "$RUNS")"
verdict=ok
if ! awk -v m="$dsl_med" 'BEGIN { exit !(m <= 200) }'; then verdict=MISSED; missed=1; fi
printf '%-26s %8s %12s %10s %5s %5s %10s %s\n' "dsl load n=10000 seed=$SEED" "$(wc -c < "$dsl")" "$dsl_med" - 0 "$RUNS" 200 \
    "$verdict (min $dsl_min ms)"
exit $missed
