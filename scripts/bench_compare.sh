#!/usr/bin/env bash
# Compare benchmarks at full size between two commits, one run after the other on this machine.
#
#   scripts/bench_compare.sh BEFORE AFTER [bench ...]     e.g. scripts/bench_compare.sh 6091cd4 HEAD stats_release
#
# Each commit is checked out in a temporary git worktree; for each benchmark (default: all), the
# BEFORE run then the AFTER run go to reports/bench-compare/<bench>.<side>.log. Run it on an idle
# machine and compare medians of several runs for the noisy ratios (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
before="$1"; after="$2"; shift 2
benches=("$@")
if [ ${#benches[@]} -eq 0 ]; then
  for path in bench/[a-z]*.py; do benches+=("$(basename "$path" .py)"); done
fi
out="reports/bench-compare"; mkdir -p "$out"
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/before" 2>/dev/null || true; git worktree remove --force "$work/after" 2>/dev/null || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/before" "$before"
git worktree add -q --detach "$work/after" "$after"
for bench in "${benches[@]}"; do
  for side in before after; do
    (cd "$work/$side" && PYTHONPATH="$PWD" python "bench/$bench.py") > "$out/$bench.$side.log" 2>&1
    echo "$bench $side: $(tail -n 1 "$out/$bench.$side.log")"
  done
done
