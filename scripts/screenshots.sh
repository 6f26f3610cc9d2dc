#!/bin/sh
# Regenerates every PNG in screenshots/ from the real app: a private demo
# world, `lockdesk snapshot --color` for each pane and action, rendered by
# scripts/ansi2png.py. Usage: scripts/screenshots.sh
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
venv=target/screenshots-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pillow
fi
out=$(mktemp)
target/release/lockdesk demo --no-tui >"$out" 2>/dev/null &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null; rm -f "$out"' EXIT
while ! grep -q DOORDECK_BASE_URL "$out"; do sleep 0.2; done
eval "$(cat "$out")"
shot() { # name, then snapshot arguments
    name=$1; shift
    target/release/lockdesk snapshot --color --size 150x42 --tz America/Winnipeg "$@" \
        | "$venv/bin/python" scripts/ansi2png.py "screenshots/$name.png"
    echo "screenshots/$name.png"
}
mkdir -p screenshots
shot queue
shot queue-failed --keys ':jobs failed<Enter>'
shot trace-e4792295 trace e4792295
shot json-viewer --keys 'G<Enter>/enforce_plan<Enter>' trace c2165f3f
shot audit-diff --keys '<Enter>' trace c2165f3f
shot lock-door-2 door 2
shot user-9 user 9
shot drift-plan --write --keys 'd' door 2
shot drift-plan-ultra-strict --write --keys 'd<Tab>' door 2
shot retry --write --reason screenshots --keys 'jjjr'
shot help --keys '?'
shot pulse --keys '6'
