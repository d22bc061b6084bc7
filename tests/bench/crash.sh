#!/usr/bin/env bash
# Crash-safety stress test: runs N trials of a mutating renku command killed with SIGKILL
# after a random delay, and checks after each kill that the project is exactly as before
# the command or exactly as after it once the next renku command has recovered.
#
# Usage: tests/bench/crash.sh [-n N] [N]     (default N = 500)
#
# Per trial: one of `renku project edit -d …`, `renku config set section.key …` and
# `renku project edit -k …` is started and killed (kill -9) after a delay drawn uniformly
# from 0 to 1.3 x its measured normal duration. Then:
#   - every store file written by the trial parses as JSON (python3 -m json.tool);
#   - `renku doctor` exits 0 and prints "Everything seems to be ok." (it recovers first);
#   - .git/renku/transaction is gone;
#   - `git status --porcelain --untracked-files=all` is empty;
#   - no stale git lock file (*.lock) is left under .git;
#   - the commit count grew by 0 or 1, and a new commit is the trial's command with the
#     expected change (a new project record, or a change to .renku/renku.ini).
# Prints a summary and exits 1 if any check failed.
#
# Environment: CARGO_TARGET_DIR (default $HOME/.cache/renku-target), SEED (for $RANDOM).
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

trials=500
while [ $# -gt 0 ]; do
    case "$1" in
        -n) trials="${2:?-n needs a number}"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) trials="$1"; shift ;;
    esac
done
case "$trials" in
    '' | *[!0-9]*) echo "not a number of trials: $trials" >&2; exit 2 ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/renku-target}"
(cd "$repo_root" && cargo build --release -p renku-cli)
renku="$CARGO_TARGET_DIR/release/renku"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/work"
printf '[user]\n\tname = Jane Doe\n\temail = jane.doe@example.org\n[init]\n\tdefaultBranch = main\n' \
    >"$tmp/home/.gitconfig"
export HOME="$tmp/home"
export GIT_CONFIG_GLOBAL="$tmp/home/.gitconfig"
export GIT_CONFIG_NOSYSTEM=1
export RENKU_LOCK_TIMEOUT=5
unset GIT_DIR GIT_WORK_TREE GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME \
    GIT_COMMITTER_EMAIL RUST_LOG
RANDOM="${SEED:-4242}"

cd "$tmp/work"
"$renku" init -t minimal p >/dev/null
cd p
journal=.git/renku/transaction

# args_of KIND TAG: sets the array `args` to the command of KIND (0, 1, 2) with value TAG.
args_of() {
    case "$1" in
        0) args=(project edit -d "description $2") ;;
        1) args=(config set section.key "value$2") ;;
        *) args=(project edit -k "kw$2") ;;
    esac
}

now_us() {
    local t
    t="$(date +%s%N)"
    echo $((t / 1000))
}

# Normal duration (microseconds) of each kind: median of 5 runs, measured like the trials
# (background process, then wait).
declare -a duration_us
for kind in 0 1 2; do
    runs=()
    for i in 0 1 2 3 4 5; do
        args_of "$kind" "warmup$i"
        start="$(now_us)"
        "$renku" "${args[@]}" >/dev/null 2>&1 &
        wait $!
        end="$(now_us)"
        [ "$i" -gt 0 ] && runs+=($((end - start)))
    done
    mapfile -t sorted < <(printf '%s\n' "${runs[@]}" | sort -n)
    duration_us[kind]="${sorted[2]}"
done
echo "measured durations (us): description ${duration_us[0]}, config ${duration_us[1]}, keywords ${duration_us[2]}"

count="$(git rev-list --count HEAD)"
marker="$tmp/marker"
failures=0
before_clean=0
before_rolled_back=0
during=0
after=0
exited=0
stale_locks=0
fail() {
    failures=$((failures + 1))
    echo "FAIL $ctx: $*" >&2
}

for ((n = 0; n < trials; n++)); do
    kind=$((n % 3))
    args_of "$kind" "$n"
    max_us=$((duration_us[kind] * 13 / 10))
    delay_us=$(((RANDOM * 32768 + RANDOM) % (max_us + 1)))
    delay="$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
    ctx="trial $n: renku ${args[*]} killed after ${delay}s"
    head_before="$(git rev-parse HEAD)"
    touch "$marker"

    "$renku" "${args[@]}" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    rc=0
    { wait "$pid"; } 2>/dev/null || rc=$?
    if [ "$rc" -eq 0 ]; then
        exited=$((exited + 1))
    elif [ "$rc" -ne 137 ]; then
        fail "command exited with $rc (neither success nor SIGKILL)"
    fi
    journal_left=0
    [ -d "$journal" ] && journal_left=1

    # No half-written object: every store file written since the trial began is JSON.
    while IFS= read -r -d '' f; do
        python3 -m json.tool "$f" >/dev/null 2>&1 || fail "$f is not valid JSON"
    done < <(find .renku/store -type f -newer "$marker" -print0)

    out="$("$renku" doctor 2>&1)" || fail "doctor exited $?: $out"
    case "$out" in
        *"Everything seems to be ok."*) ;;
        *) fail "doctor found problems: $out" ;;
    esac
    [ -d "$journal" ] && fail "journal still present after recovery"
    status="$(git status --porcelain --untracked-files=all)"
    [ -n "$status" ] && fail "work tree not clean: $status"

    locks="$(find .git -name '*.lock' -type f)"
    if [ -n "$locks" ]; then
        stale_locks=$((stale_locks + 1))
        fail "stale git lock file(s) left behind (journal left: $journal_left): $locks"
        # Remove them so the remaining trials test the rest.
        find .git -name '*.lock' -type f -delete
    fi

    new_count="$(git rev-list --count HEAD)"
    if [ "$new_count" -eq "$count" ]; then
        [ "$(git rev-parse HEAD)" = "$head_before" ] || fail "HEAD moved without a new commit"
        [ "$rc" -eq 0 ] && fail "command succeeded but committed nothing"
        if [ "$journal_left" -eq 1 ]; then
            before_rolled_back=$((before_rolled_back + 1))
        else
            before_clean=$((before_clean + 1))
        fi
    elif [ "$new_count" -eq $((count + 1)) ]; then
        [ "$(git rev-parse HEAD~1)" = "$head_before" ] || fail "new commit's parent is not the old HEAD"
        subject="$(git log -1 --format=%s)"
        [ "$subject" = "renku ${args[*]}" ] || fail "unexpected commit message: $subject"
        changes="$(git diff-tree --no-commit-id --name-status -r HEAD~1 HEAD)"
        if [ "$kind" -eq 1 ]; then
            grep -q "	.renku/renku.ini\$" <<<"$changes" || fail "config commit does not change .renku/renku.ini: $changes"
        else
            grep -q "^A	.renku/store/project/.*\.json\$" <<<"$changes" || fail "edit commit adds no project record: $changes"
        fi
        if [ "$journal_left" -eq 1 ]; then
            during=$((during + 1))
        else
            after=$((after + 1))
        fi
    else
        fail "commit count went from $count to $new_count"
    fi
    count="$new_count"
done

# A final full pass: every store file is JSON, the repository is sound.
while IFS= read -r -d '' f; do
    python3 -m json.tool "$f" >/dev/null 2>&1 || { ctx=final; fail "$f is not valid JSON"; }
done < <(find .renku/store -type f -print0)
git fsck --no-progress >/dev/null 2>&1 || { ctx=final; fail "git fsck failed"; }

echo
echo "crash trials:                        $trials"
echo "killed before the commit point:      $((before_clean + before_rolled_back)) (journal rolled back: $before_rolled_back, nothing journaled yet: $before_clean)"
echo "killed after the commit point:       $during (commit made, journal cleaned up by recovery)"
echo "completed:                           $after (of which exited normally: $exited)"
echo "stale git lock files:                $stale_locks"
echo "failed checks:                       $failures"
[ "$failures" -eq 0 ]
