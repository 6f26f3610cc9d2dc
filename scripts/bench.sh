#!/usr/bin/env bash
# Production-scale benchmarks, side by side with psql running the same
# statements in the same run. Seeds a private cluster (the demo's) with
# 10M logs / 1M jobs / 1M audit rows (--logs N for fewer), then measures each
# figure after a warm-up, alternating lockdesk and psql, and prints fixed
# columns: figure, lockdesk median, spread, psql median, ratio.
#
#   scripts/bench.sh                 # 10M logs, 1M jobs, 1M audit rows
#   scripts/bench.sh --logs 1000000  # a smaller world (jobs and audit: logs/10)
#   scripts/bench.sh --runs 9        # runs per figure (default 7)
#   scripts/bench.sh --only groups   # only the figures whose label has "groups"
#   scripts/bench.sh --only storm    # the Jobs header's storm read (groups::storm_recent)
#                                    # (no RSS, console bench or tour)
#
# Needs: cargo, psql, tmux, /usr/bin/time, python3. BENCHMARKS.md has the
# last results.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec python3 scripts/bench.py "$@"
