#!/usr/bin/env bash
# Records `lightning demo --autoplay` with asciinema and renders it as an
# animated SVG for the README, in one command:
#
#   demo/record.sh                 # -> demo/demo.cast and demo/demo.svg
#   demo/record.sh --rows 200000   # extra flags go to `lightning demo --autoplay`
#
# Needs asciinema (apt-get install asciinema) and Node.js with npx (for
# svg-term-cli, fetched from npm on first use). COLS and ROWS set the size of
# the recorded terminal (default 100x34). The demo runs on its own private
# MariaDB server, like `lightning demo` always does.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

COLS="${COLS:-100}"
ROWS="${ROWS:-34}"
cast=demo/demo.cast
svg=demo/demo.svg

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "error: $1 not found; $2" >&2
        exit 1
    fi
}
need asciinema "install it with 'apt-get install asciinema' (or 'pip install asciinema')"
need npx "install Node.js and npm (e.g. 'apt-get install npm')"
need cargo "install the Rust toolchain (https://rustup.rs)"

echo "==> building lightning (release)"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/lightning"

# Quote every extra flag for the command string asciinema runs.
extra=""
for arg in "$@"; do
    extra+=" $(printf '%q' "$arg")"
done

echo "==> recording $cast (${COLS}x${ROWS}, about a minute)"
# The trailing no-op output, printed after the demo has lingered on its
# result, gives the recording (and so the SVG's last frame) that time too.
TERM=xterm-256color asciinema rec --overwrite --quiet \
    --cols "$COLS" --rows "$ROWS" \
    --title "LightningTables demo" \
    --command "$(printf '%q' "$bin") demo --autoplay$extra; printf '\\033[0m'" \
    "$cast"

echo "==> rendering $svg"
# svg-term-cli turns the recording into one self-contained animated SVG.
npx --yes svg-term-cli --in "$cast" --out "$svg" \
    --window --no-cursor --width "$COLS" --height "$ROWS"

echo "==> done: $cast ($(du -h "$cast" | cut -f1)), $svg ($(du -h "$svg" | cut -f1))"
