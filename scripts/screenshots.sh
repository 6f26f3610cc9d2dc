#!/bin/sh
# Regenerates every PNG in screenshots/ from the real app: a private demo
# world (`lockdesk demo --no-tui`: its own Postgres and provider simulators),
# `lockdesk snapshot --color` for each pane and action, rendered by
# scripts/ansi2png.py (DejaVu Sans Mono on a fixed cell grid, the colours
# the app emitted). Self-contained: builds the debug binary, installs Pillow
# into target/screenshots-venv, writes bundles into a temporary state
# folder. Times are in UTC; the demo world is made at the current time, so
# the clock in the pictures moves, the screens' content does not.
# Usage: scripts/screenshots.sh
set -eu
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/lockdesk
venv=target/screenshots-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pillow
fi
out=$(mktemp)
state=$(mktemp -d)
"$bin" demo --no-tui >"$out" 2>/dev/null &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null; rm -rf "$out" "$state"' EXIT
while ! grep -q DOORDECK_BASE_URL "$out"; do
    kill -0 $demo 2>/dev/null || { echo "the demo did not start" >&2; exit 1; }
    sleep 0.2
done
eval "$(cat "$out")"
export XDG_STATE_HOME="$state"
shot() { # name, then snapshot arguments
    name=$1; shift
    "$bin" snapshot --color --size 150x42 --tz UTC "$@" \
        | "$venv/bin/python" scripts/ansi2png.py "screenshots/$name.png"
    echo "screenshots/$name.png"
}
shot_light() { # the light theme, on a light terminal's background
    name=$1; shift
    "$bin" snapshot --color --size 150x42 --tz UTC --theme light "$@" \
        | "$venv/bin/python" scripts/ansi2png.py "screenshots/$name.png" --light
    echo "screenshots/$name.png"
}
sql() { psql "$DATABASE_URL" -Atqc "$1"; }
mkdir -p screenshots
shot queue
shot queue-failed --keys ':jobs failed<Enter>'
shot trace-e4792295 trace e4792295
shot json-viewer --keys 'G<Enter>/enforce_plan<Enter>' trace c2165f3f
shot audit-diff --keys '<Enter>' trace c2165f3f
shot lock-door-2 door 2
shot drift-plan --write --keys 'd' door 2
shot drift-plan-ultra-strict --write --keys 'd<Tab>' door 2
shot help --keys '?'

# "User 9 says her PIN stopped working": the ticket's words, then her doors live.
shot user-9 --keys ':user AB U9 C6<Enter>'
shot user-9-live --keys ':user AB U9 C6<Enter>L'

# The incident: the storm flagged in the header, the groups, a group's jobs
# with the why of the selected one, a lock whose gateway is offline.
shot incident-storm
shot incident-groups --keys 'e'
shot incident-why --keys 'e<Enter>'
offline_door=$(sql "SELECT id FROM doors WHERE id IN (16, 18, 28) AND device_type ILIKE 'ttlock' ORDER BY id LIMIT 1")
shot incident-device-health door "$offline_door"
# A refused action: `r` on a failed job whose lock's gateway is offline.
offline_job=$(sql "SELECT l.reconcile_job_id FROM integration_logs l JOIN doors d ON l.lock_key = upper(d.device_type) || ':' || d.external_id
                    JOIN reconcile_jobs j ON j.id = l.reconcile_job_id
                    WHERE d.id = $offline_door AND l.ok = false AND j.status = 'failed'
                    ORDER BY l.reconcile_job_id DESC LIMIT 1")
shot incident-refused --write --reason INC-4711 --keys ":job $offline_job<Enter>r"
# The pictures (issue 31): the Pulse, a trace's waterfall, a lock's day;
# the light theme (issue 30); a search in a trace.
shot pulse --keys '6'
shot trace-waterfall --keys 'w' trace c2165f3f
shot lock-day door 9
shot_light light-queue
shot_light light-trace trace e4792295
shot trace-search --keys '/PASSCODE<Enter>n' trace c2165f3f
# A bundle of the outage group (`b`): the status line names the files.
shot incident-bundle --keys 'eb'
# The group retry, typed count and summary (last: it changes the queue).
count=$("$bin" groups --json | "$venv/bin/python" -c '
import json, sys
g = max(json.load(sys.stdin), key=lambda g: g["count"])
print(sum(n for s, n in g["statuses"].items() if s in ("failed", "dead")))')
shot incident-group-retry --write --reason INC-4711 --keys "eR$count<Enter>"
shot retry --write --reason screenshots --keys 'jjjr'
