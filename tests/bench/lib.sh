# Shared helpers of the benchmark scripts (sourced, not run).

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# time_ms COMMAND…: wall time of one run in ms (output discarded, exit status ignored).
time_ms() {
    local start end
    start=$(now_ms)
    "$@" >/dev/null 2>&1 </dev/null || true
    end=$(now_ms)
    echo $((end - start))
}
# best_ms N COMMAND…: the fastest of N runs.
best_ms() {
    local n="$1" best=999999999 t i
    shift
    for i in $(seq 1 "$n"); do
        t=$(time_ms "$@")
        [ "$t" -lt "$best" ] && best=$t
    done
    echo "$best"
}
# make_chain PROGRAM DIR N: a project with a chain of N `cp` steps whose first input then
# changed (committed).
make_chain() {
    local program="$1" dir="$2" n="$3" i
    "$program" init -t minimal "$dir" >/dev/null 2>&1 </dev/null
    (
        cd "$dir"
        # renku-python's git hooks call `renku`.
        PATH="$(dirname "$program"):$PATH"
        echo start >step-0.txt
        git add step-0.txt && git commit -qm "chain start"
        for i in $(seq 1 "$n"); do
            "$program" run cp "step-$((i - 1)).txt" "step-$i.txt" >/dev/null 2>&1 </dev/null
        done
        echo changed >step-0.txt
        git commit -qam "change the first input"
    )
}
# reference_chain PROGRAM DIR N: reuses the N-step chain recorded in DIR, or records it
# (slow for renku-python: a few seconds per step).
reference_chain() {
    local program="$1" dir="$2" n="$3"
    if [ -f "$dir/step-$n.txt" ] && [ ! -e "$dir/step-$((n + 1)).txt" ]; then
        echo "reusing the reference's $n-step chain in $dir"
    else
        echo "recording the reference's $n-step chain (slow) ..."
        rm -rf "$dir"
        make_chain "$program" "$dir" "$n"
    fi
}
# check NAME OK(0/1) MESSAGE: prints the verdict; a miss sets `status=1`.
check() {
    if [ "$2" = 0 ]; then echo "  ok: $3"; else echo "  MISSED: $3"; status=1; fi
}
# isolated_home DIR: a HOME with a git identity, and git configured to use only it.
isolated_home() {
    mkdir -p "$1/home"
    # No automatic `git gc` in the background: it would race with the clean-up of DIR.
    printf '[user]\n\tname = Jane Doe\n\temail = jane.doe@example.org\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n' \
        >"$1/home/.gitconfig"
    export HOME="$1/home" GIT_CONFIG_GLOBAL="$1/home/.gitconfig" GIT_CONFIG_NOSYSTEM=1
    unset GIT_DIR GIT_WORK_TREE RUST_LOG
}
