#!/usr/bin/env bash
# Benchmarks of `renku status` and `renku update`:
#
#  1. status on a CHAIN-step chain of `cp` commands after its first input changed, ours and
#     renku-python's (the reference records its own chain of REF_CHAIN steps, default CHAIN:
#     the reference needs a few seconds per recorded run);
#  2. `update --all` of that chain, including the commit;
#  3. a fan of 8 independent steps that each sleep 1 s, updated with `-j 8`;
#  4. status of a project with FILES tracked data files and ACTIVITIES activities, against
#     `git status` on the same repository.
#
# Usage: tests/bench/update.sh [-n CHAIN] [-f FILES] [-a ACTIVITIES]
#        (defaults: CHAIN=500, FILES=10000, ACTIVITIES=1000; REF_CHAIN=0 skips the reference)
#
# Budgets (docs/benchmarks.md): status ≥ 100× faster than renku-python's on the same chain
# length; update --all of the chain ≤ 3 s; the fan ≤ 3 s (8 s sequentially); status ≤ 3× git
# status. Exits 1 when a budget is missed.
#
# Environment: CARGO_TARGET_DIR (default $HOME/.cache/renku-target),
#   RENKU_REF (default $HOME/.cache/renku-ref/bin/renku),
#   REF_CHAIN_DIR (keep the reference's recorded chain there and reuse it on later runs:
#   recording 500 steps with renku-python takes about half an hour).
set -euo pipefail

chain=500
files=10000
activities=1000
while [ $# -gt 0 ]; do
    case "$1" in
        -n) chain="${2:?-n needs a number}"; shift 2 ;;
        -f) files="${2:?-f needs a number}"; shift 2 ;;
        -a) activities="${2:?-a needs a number}"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
ref_chain="${REF_CHAIN:-$chain}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/renku-target}"
ref="${RENKU_REF:-$HOME/.cache/renku-ref/bin/renku}"
(cd "$repo_root" && cargo build --release -p renku-cli)
renku="$CARGO_TARGET_DIR/release/renku"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/bench/lib.sh
source "$repo_root/tests/bench/lib.sh"
isolated_home "$tmp"

status=0
echo "== status and update on a $chain-step chain"
make_chain "$renku" "$tmp/chain" "$chain"
ours=$(cd "$tmp/chain" && best_ms 5 "$renku" status)
echo "renku status (ours):      ${ours} ms"
if [ -x "$ref" ] && [ "$ref_chain" -gt 0 ]; then
    ref_dir="${REF_CHAIN_DIR:-$tmp/ref-chain}"
    reference_chain "$ref" "$ref_dir" "$ref_chain"
    theirs=$(cd "$ref_dir" && PATH="$(dirname "$ref"):$PATH" best_ms 3 "$ref" status)
    echo "renku status (reference, $ref_chain steps): ${theirs} ms"
    if [ "$ref_chain" = "$chain" ]; then
        ratio=$(python3 -c "print(f'{$theirs / max($ours, 1):.0f}')")
        check status "$( [ "$theirs" -ge $((100 * ours)) ] && echo 0 || echo 1)" \
            "status ${ratio}x faster than the reference (budget: at least 100x)"
    else
        echo "  (chain lengths differ: no ratio; run with REF_CHAIN=$chain for the budget)"
    fi
else
    echo "reference not run: comparison skipped"
fi
t=$(cd "$tmp/chain" && time_ms "$renku" update --all)
(cd "$tmp/chain" && [ "$(cat "step-$chain.txt")" = changed ]) || { echo "update did not regenerate the chain"; status=1; }
echo "renku update --all:       ${t} ms for $chain steps, commit included"
check update "$( [ "$t" -le 3000 ] && echo 0 || echo 1)" "update of the chain in ${t} ms (budget: 3000 ms)"

echo "== a fan of 8 steps that sleep 1 s, -j 8"
"$renku" init -t minimal "$tmp/fan" >/dev/null
(
    cd "$tmp/fan"
    echo 1 >in.txt && git add in.txt && git commit -qm input
    for i in $(seq 1 8); do
        "$renku" run --name "fan-$i" --input in.txt -- sh -c "sleep 1; cat in.txt > out-$i.txt" >/dev/null
    done
    echo 2 >in.txt
)
t=$(cd "$tmp/fan" && time_ms "$renku" update --all -j 8)
echo "renku update --all -j 8:  ${t} ms (8 s if run one after the other)"
check fan "$( [ "$t" -le 3000 ] && echo 0 || echo 1)" "fan in ${t} ms (budget: 3000 ms)"

echo "== status with $files tracked files and $activities activities"
big="$tmp/big"
"$renku" init -t minimal "$big" >/dev/null
(
    cd "$big"
    mkdir -p data
    python3 - "$files" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = f"data/d{i // 1000:03d}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:05d}.txt", "w") as f:
        f.write(f"{i}\n")
PY
    git add data && git commit -qm data
    for i in $(seq 1 "$activities"); do
        d=$(printf 'data/d%03d' $(( (i - 1) % (files / 1000 > 0 ? files / 1000 : 1) )))
        # (A glob, not `ls | head`: with pipefail, ls dying of SIGPIPE would end the script.)
        first=("$d"/*)
        "$renku" run --name "a-$i" --no-output --input "${first[0]}" -- true >/dev/null
    done
    git status >/dev/null
)
git_t=$(cd "$big" && best_ms 5 git status)
ours=$(cd "$big" && best_ms 5 "$renku" status)
echo "git status:               ${git_t} ms"
echo "renku status:             ${ours} ms"
check big "$( [ "$ours" -le $((3 * git_t > 10 ? 3 * git_t : 10)) ] && echo 0 || echo 1)" \
    "status ${ours} ms vs git status ${git_t} ms (budget: at most 3x)"
exit "$status"
