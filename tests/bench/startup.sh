#!/usr/bin/env bash
# Whole-process start-up benchmark: times `renku --version` and `renku config show` (inside a
# project) of the release build, and, when renku-python's reference is installed, the same
# two commands of renku-python in an equivalent project, with the ratio reference/ours.
#
# Usage: tests/bench/startup.sh [-n RUNS] [RUNS]     (default 50 runs per command)
#
# Uses hyperfine (--warmup 5 --runs RUNS --export-json) when installed, else a python3
# fallback that runs each command RUNS times and reports mean and median.
# Budget (docs/benchmarks.md): each of our commands takes at most 1/100 of the reference's
# time. Exits 1 if the reference is installed and a budget is missed.
#
# Environment: CARGO_TARGET_DIR (default $HOME/.cache/renku-target),
#   RENKU_REF (default $HOME/.cache/renku-ref/bin/renku), REF_RUNS (runs of the reference,
#   default RUNS), NO_HYPERFINE=1 (force the python3 fallback).
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

runs=50
while [ $# -gt 0 ]; do
    case "$1" in
        -n) runs="${2:?-n needs a number}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) runs="$1"; shift ;;
    esac
done
case "$runs" in
    '' | *[!0-9]*) echo "not a number of runs: $runs" >&2; exit 2 ;;
esac
ref_runs="${REF_RUNS:-$runs}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/renku-target}"
ref="${RENKU_REF:-$HOME/.cache/renku-ref/bin/renku}"
(cd "$repo_root" && cargo build --release -p renku-cli)
renku="$CARGO_TARGET_DIR/release/renku"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/ours" "$tmp/ref" "$tmp/results"
printf '[user]\n\tname = Jane Doe\n\temail = jane.doe@example.org\n[init]\n\tdefaultBranch = main\n' \
    >"$tmp/home/.gitconfig"
export HOME="$tmp/home"
export GIT_CONFIG_GLOBAL="$tmp/home/.gitconfig"
export GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE RUST_LOG

use_hyperfine=0
if [ -z "${NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null 2>&1; then
    use_hyperfine=1
fi

# measure LABEL DIR RUNS PROGRAM: times `PROGRAM --version` and `PROGRAM config show` in DIR,
# writes "<mean ms> <median ms>" for each to $tmp/results/LABEL-{version,config}.
measure() {
    local label="$1" dir="$2" n="$3" program="$4"
    if [ "$use_hyperfine" -eq 1 ]; then
        (cd "$dir" && hyperfine -N --warmup 5 --runs "$n" \
            --export-json "$tmp/results/$label.json" \
            --command-name "$label --version" "$program --version" \
            --command-name "$label config show" "$program config show")
        python3 - "$tmp/results/$label.json" "$tmp/results/$label" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
for name, r in zip(["version", "config"], results):
    with open(f"{sys.argv[2]}-{name}", "w") as f:
        f.write(f"{r['mean'] * 1000:.3f} {r['median'] * 1000:.3f}\n")
EOF
    else
        (cd "$dir" && python3 - "$n" "$tmp/results/$label" "$label" "$program" <<'EOF'
import statistics, subprocess, sys, time
n, out, label, program = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
for name, args in [("version", ["--version"]), ("config", ["config", "show"])]:
    cmd = [program, *args]
    for _ in range(min(5, n)):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - start) * 1000)
    mean, median = statistics.mean(times), statistics.median(times)
    print(f"{label} {' '.join(args)}: mean {mean:.3f} ms, median {median:.3f} ms "
          f"(min {min(times):.3f}, max {max(times):.3f}, {n} runs)")
    with open(f"{out}-{name}", "w") as f:
        f.write(f"{mean:.3f} {median:.3f}\n")
EOF
        )
    fi
}

(cd "$tmp/ours" && "$renku" init -t minimal p >/dev/null)
echo "== renku (this build): $renku"
measure ours "$tmp/ours/p" "$runs" "$renku"

have_ref=0
if [ -x "$ref" ]; then
    have_ref=1
    (cd "$tmp/ref" && "$ref" init -t minimal p </dev/null >/dev/null)
    echo "== renku-python reference: $ref ($("$ref" --version))"
    measure ref "$tmp/ref/p" "$ref_runs" "$ref"
fi

echo
printf '%-22s %14s %14s' "command" "ours mean ms" "ours median"
[ "$have_ref" -eq 1 ] && printf ' %14s %14s %10s %8s' "ref mean ms" "ref median" "ratio" "budget"
echo
missed=0
for name in version config; do
    case "$name" in
        version) title="renku --version" ;;
        config) title="renku config show" ;;
    esac
    read -r our_mean our_median <"$tmp/results/ours-$name"
    printf '%-22s %14s %14s' "$title" "$our_mean" "$our_median"
    if [ "$have_ref" -eq 1 ]; then
        read -r ref_mean ref_median <"$tmp/results/ref-$name"
        ratio="$(python3 -c "print(f'{$ref_mean / $our_mean:.0f}')")"
        if python3 -c "import sys; sys.exit(0 if $our_mean * 100 <= $ref_mean else 1)"; then
            verdict="met"
        else
            verdict="MISSED"
            missed=1
        fi
        printf ' %14s %14s %9sx %8s' "$ref_mean" "$ref_median" "$ratio" "$verdict"
    fi
    echo
done

if [ "$have_ref" -eq 0 ]; then
    echo
    echo "renku-python reference not found at $ref: comparison skipped."
    echo "(Install it with: python3 -m venv ~/.cache/renku-ref && ~/.cache/renku-ref/bin/pip install renku==2.9.4)"
    exit 0
fi
echo
if [ "$missed" -eq 1 ]; then
    echo "Budget missed: ours must take at most 1/100 of the reference's mean time."
    exit 1
fi
echo "Budget met: ours takes at most 1/100 of the reference's mean time for both commands."
