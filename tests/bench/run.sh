#!/usr/bin/env bash
# Benchmark of `renku run`: the overhead of recording a trivial command that writes one
# small output, against renku-python when installed, and the cost of recording as history
# grows (a chain of N steps, each `cp` of the previous output).
#
# Usage: tests/bench/run.sh [-n CHAIN] [-r RUNS]   (defaults: CHAIN=500, RUNS=10)
#
# Budgets (docs/benchmarks.md): our overhead ≤ 1/30 of renku-python 2.9.4's; recording the
# CHAIN-th step costs no more than 2× recording the 10th. Exits 1 when a budget is missed.
#
# Environment: CARGO_TARGET_DIR (default $HOME/.cache/renku-target),
#   RENKU_REF (default $HOME/.cache/renku-ref/bin/renku).
set -euo pipefail

chain=500
runs=10
while [ $# -gt 0 ]; do
    case "$1" in
        -n) chain="${2:?-n needs a number}"; shift 2 ;;
        -r) runs="${2:?-r needs a number}"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ "$chain" -ge 20 ] || { echo "the chain needs at least 20 steps" >&2; exit 2; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/renku-target}"
ref="${RENKU_REF:-$HOME/.cache/renku-ref/bin/renku}"
(cd "$repo_root" && cargo build --release -p renku-cli)
renku="$CARGO_TARGET_DIR/release/renku"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home"
printf '[user]\n\tname = Jane Doe\n\temail = jane.doe@example.org\n[init]\n\tdefaultBranch = main\n' \
    >"$tmp/home/.gitconfig"
export HOME="$tmp/home" GIT_CONFIG_GLOBAL="$tmp/home/.gitconfig" GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE RUST_LOG

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# overhead PROGRAM DIR: mean wall time (ms) of RUNS recordings of `touch`-style commands.
overhead() {
    local program="$1" dir="$2" total=0 i start end
    for i in $(seq 1 "$runs"); do
        start=$(now_ms)
        (cd "$dir" && "$program" run --no-input-detection sh -c "echo $i > out-$i.txt" >/dev/null 2>&1)
        end=$(now_ms)
        total=$((total + end - start))
    done
    echo $((total / runs))
}

status=0
"$renku" init -t minimal "$tmp/ours" >/dev/null
ours=$(overhead "$renku" "$tmp/ours")
echo "renku run (ours):       ${ours} ms per recorded command (mean of $runs)"
if [ -x "$ref" ]; then
    "$ref" init -t minimal "$tmp/ref" >/dev/null 2>&1 </dev/null
    theirs=$(overhead "$ref" "$tmp/ref")
    echo "renku run (reference):  ${theirs} ms per recorded command (mean of $runs)"
    python3 - "$ours" "$theirs" <<'PY' || status=1
import sys
ours, theirs = (max(float(x), 0.1) for x in sys.argv[1:])
ratio = theirs / ours
print(f"ratio reference/ours:   {ratio:.1f}x (budget: at least 30x)")
sys.exit(0 if ratio >= 30 else 1)
PY
else
    echo "reference not installed at $ref: comparison skipped"
fi

# History growth: a chain of `cp` steps, each reading the previous step's output; the time
# of every step is recorded. Compared: the mean of steps 6-15 (around the 10th run) and the
# mean of the last 10 steps.
proj="$tmp/chain"
"$renku" init -t minimal "$proj" >/dev/null
cd "$proj"
echo start > step-0.txt
git add step-0.txt && git commit -qm "chain start"
times="$tmp/chain-times"
: >"$times"
for i in $(seq 1 "$chain"); do
    start=$(now_ms)
    "$renku" run cp "step-$((i - 1)).txt" "step-$i.txt" >/dev/null
    end=$(now_ms)
    echo "$i $((end - start))" >>"$times"
done
read -r early late < <(awk -v n="$chain" '$1 >= 6 && $1 <= 15 { a += $2; k++ } $1 > n - 10 { b += $2; m++ } END { printf "%.1f %.1f\n", a / k, b / m }' "$times")
echo "recording around run 10:     ${early} ms (mean of runs 6-15)"
echo "recording around run $chain: ${late} ms (mean of the last 10 runs)"
python3 - "$early" "$late" <<'PY' || status=1
import sys
early, late = (max(float(x), 1.0) for x in sys.argv[1:])
print(f"growth: {late / early:.2f}x (budget: at most 2x)")
sys.exit(0 if late <= 2 * early else 1)
PY
exit "$status"
