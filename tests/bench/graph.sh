#!/usr/bin/env bash
# Benchmark of `renku graph export --full` against renku-python 2.9.4 on the same history.
#
#  1. renku-python records a chain of CHAIN `cp` steps (or REF_CHAIN_DIR holds one already,
#     e.g. the one tests/bench/update.sh recorded) and exports its graph;
#  2. a clone of that project is migrated with our `renku migrate` and exported by us;
#  3. linear growth: our export of our own chains of CHAIN/4, CHAIN/2, CHAIN and 2×CHAIN steps.
#
# Usage: tests/bench/graph.sh [-n CHAIN]   (default CHAIN=500)
#
# Budgets (issue 6, docs/benchmarks.md): ours ≥ 50× faster than renku-python's on the same
# history; doubling the chain at most 2.5× the time (linear, with slack for noise). Exits 1
# when a budget is missed.
#
# Environment: CARGO_TARGET_DIR (default $HOME/.cache/renku-target),
#   RENKU_REF (default $HOME/.cache/renku-ref/bin/renku),
#   REF_CHAIN_DIR (the reference's recorded chain, reused when it has CHAIN steps:
#   recording 500 steps with renku-python takes about half an hour).
set -euo pipefail

chain=500
while [ $# -gt 0 ]; do
    case "$1" in
        -n) chain="${2:?-n needs a number}"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/renku-target}"
ref="${RENKU_REF:-$HOME/.cache/renku-ref/bin/renku}"
(cd "$repo_root" && cargo build --release -p renku-cli)
renku="$CARGO_TARGET_DIR/release/renku"
ref_dir="${REF_CHAIN_DIR:-}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/bench/lib.sh
source "$repo_root/tests/bench/lib.sh"
isolated_home "$tmp"
export RENKU_DISABLE_VERSION_CHECK=1
status=0

echo "== graph export --full of a $chain-step history, renku-python and ours"
if [ ! -x "$ref" ]; then
    echo "reference not installed at $ref: comparison skipped"
else
    ref_dir="${ref_dir:-$tmp/ref-chain}"
    reference_chain "$ref" "$ref_dir" "$chain"
    theirs=$(cd "$ref_dir" && PATH="$(dirname "$ref"):$PATH" best_ms 3 "$ref" graph export --full)
    echo "renku-python graph export --full: ${theirs} ms"

    git clone -q "$ref_dir" "$tmp/migrated"
    (cd "$tmp/migrated" && "$renku" migrate >/dev/null)
    (cd "$tmp/migrated" && "$renku" graph export --full --format nt | sort >"$tmp/ours.nt")
    (cd "$ref_dir" && PATH="$(dirname "$ref"):$PATH" "$ref" graph export --full --format nt 2>/dev/null |
        grep -v '^$' | sort >"$tmp/theirs.nt")
    if cmp -s "$tmp/ours.nt" "$tmp/theirs.nt"; then
        echo "  (both exports hold the same $(wc -l <"$tmp/ours.nt") triples)"
    else
        echo "  the exports differ:"; diff "$tmp/theirs.nt" "$tmp/ours.nt" | head -5; status=1
    fi
    ours=$(cd "$tmp/migrated" && best_ms 5 "$renku" graph export --full)
    echo "ours, same history:               ${ours} ms"
    ratio=$(python3 -c "print(f'{$theirs / max($ours, 1):.0f}')")
    check ratio "$( [ "$theirs" -ge $((50 * ours)) ] && echo 0 || echo 1)" \
        "graph export ${ratio}x faster than renku-python (budget: at least 50x)"
fi

echo "== growth of our export with the history"
previous=""
for n in $((chain / 4)) $((chain / 2)) "$chain" $((2 * chain)); do
    make_chain "$renku" "$tmp/chain-$n" "$n"
    t=$(cd "$tmp/chain-$n" && best_ms 5 "$renku" graph export --full)
    echo "ours, $n activities: ${t} ms"
    if [ -n "$previous" ]; then
        check "growth-$n" "$( [ "$t" -le $((previous * 5 / 2 + 20)) ] && echo 0 || echo 1)" \
            "doubling the history to $n activities took $(python3 -c "print(f'{$t / max($previous, 1):.1f}')")x the time (budget: 2.5x)"
    fi
    previous=$t
done
exit "$status"
