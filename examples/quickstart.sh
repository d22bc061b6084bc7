#!/usr/bin/env bash
# Builds renku and walks through a first project: init, metadata, configuration, recording
# a command, the log, checks, and rolling back changes. Usage: examples/quickstart.sh [DIR]  (default: a temp directory)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/renku-target}"

cargo build --release -p renku-cli --manifest-path "$repo/Cargo.toml"
renku="$CARGO_TARGET_DIR/release/renku"

work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cd "$work"
if ! git config user.email >/dev/null; then
  echo "Set a git identity first: git config --global user.name 'Your Name'; git config --global user.email you@example.org" >&2
  exit 1
fi

step() { printf '\n$ renku %s\n' "$*"; "$renku" "$@"; }

step --version
step template ls
step init --description "A first renku project" -k demo -t python-minimal my-project
cd my-project
step project show
step project edit -k demo -k quickstart
step config set lfs_threshold 1mb
step config show
printf '\n$ renku run wc -l README.md > lines.txt\n'; "$renku" run wc -l README.md > lines.txt
step workflow ls
step log
step doctor
printf '\n$ git log --oneline\n'; git log --oneline
printf '\nRolling back to the state after "renku project edit" (checkpoint 2):\n'
printf '2\ny\n' | "$renku" rollback
step project show
printf '\nThe project is in %s\n' "$work/my-project"
