#!/usr/bin/env bash
# Benchmarks of datasets:
#
#  1. `renku dataset add --copy` of FILES small files (in nested directories) into a new
#     dataset, against `cp -r` + `git add` + `git commit` of the same files, and against
#     renku-python's `dataset add --copy` of the same files (REF_FILES of them, default FILES);
#  2. adding 1 file to a dataset of BIG files;
#  3. `renku dataset ls-files` of that dataset.
#
# Usage: tests/bench/dataset.sh [-f FILES] [-b BIG]   (defaults: FILES=10000, BIG=100000;
#        REF_FILES=0 skips the reference)
#
# Budgets (docs/benchmarks.md): add ≤ 2× cp + git add + git commit, and ≥ 20× faster than
# renku-python; adding 1 file to the BIG dataset < 1 s; ls-files of the BIG dataset < 1 s.
# Exits 1 when a budget is missed.
#
# Environment: CARGO_TARGET_DIR (default $HOME/.cache/renku-target),
#   RENKU_REF (default $HOME/.cache/renku-ref/bin/renku).
set -euo pipefail

files=10000
big=100000
while [ $# -gt 0 ]; do
    case "$1" in
        -f) files="${2:?-f needs a number}"; shift 2 ;;
        -b) big="${2:?-b needs a number}"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
ref_files="${REF_FILES:-$files}"

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

# make_files DIR N: N small files in 100-file directories two levels deep.
make_files() {
    python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"g{i // 1000:03d}", f"d{(i // 100) % 10}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}.txt"), "w") as f:
        f.write(f"content {i}\n")
PY
}
status=0

echo "== dataset add --copy of $files files"
make_files "$tmp/src" "$files"
"$renku" init -t minimal "$tmp/ours" >/dev/null 2>&1
ours=$(cd "$tmp/ours" && time_ms "$renku" dataset add --copy -c many "$tmp/src")
n=$(cd "$tmp/ours" && "$renku" dataset ls-files many --format csv -c path | tail -n +2 | wc -l)
[ "$n" = "$files" ] || { echo "expected $files files in the dataset, found $n"; status=1; }
echo "renku dataset add (ours):       ${ours} ms"
git init -q "$tmp/plain"
(cd "$tmp/plain" && git commit -q --allow-empty -m start)
plain=$(cd "$tmp/plain" && time_ms sh -c "mkdir -p data && cp -r '$tmp/src' data/many && git add data && git commit -qm add")
echo "cp -r + git add + git commit:    ${plain} ms"
check add-vs-git "$( [ "$ours" -le $((2 * plain)) ] && echo 0 || echo 1)" \
    "add is $(python3 -c "print(f'{$ours / max($plain, 1):.2f}')")x cp + git (budget: at most 2x)"
if [ -x "$ref" ] && [ "$ref_files" -gt 0 ]; then
    make_files "$tmp/ref-src" "$ref_files"
    PATH="$(dirname "$ref"):$PATH" "$ref" init -t minimal "$tmp/ref" >/dev/null 2>&1
    theirs=$(cd "$tmp/ref" && PATH="$(dirname "$ref"):$PATH" time_ms "$ref" dataset add --copy -c many "$tmp/ref-src")
    echo "renku dataset add (reference, $ref_files files): ${theirs} ms"
    if [ "$ref_files" = "$files" ]; then
        check add-vs-ref "$( [ "$theirs" -ge $((20 * ours)) ] && echo 0 || echo 1)" \
            "add $(python3 -c "print(f'{$theirs / max($ours, 1):.0f}')")x faster than the reference (budget: at least 20x)"
    else
        echo "  (file counts differ: no ratio; run with REF_FILES=$files for the budget)"
    fi
else
    echo "reference not run: comparison skipped"
fi

echo "== a dataset of $big files"
make_files "$tmp/big-src" "$big"
"$renku" init -t minimal "$tmp/big" >/dev/null 2>&1
t=$(cd "$tmp/big" && time_ms "$renku" dataset add --copy -c big "$tmp/big-src")
echo "creating it (dataset add of $big files): ${t} ms"
echo one >"$tmp/one.txt"
t=$(cd "$tmp/big" && time_ms "$renku" dataset add --copy big "$tmp/one.txt")
echo "adding 1 file:                   ${t} ms"
check add-one "$( [ "$t" -lt 1000 ] && echo 0 || echo 1)" "1 file added in ${t} ms (budget: < 1000 ms)"
record=$(cd "$tmp/big" && git show --name-only --format= HEAD -- .renku/store | grep -c 'store/dataset/' || true)
echo "dataset records written by that add: $record"
t=$(cd "$tmp/big" && time_ms "$renku" dataset ls-files big)
echo "ls-files of $((big + 1)) files:       ${t} ms"
check ls-files "$( [ "$t" -lt 1000 ] && echo 0 || echo 1)" "ls-files in ${t} ms (budget: < 1000 ms)"
exit "$status"
