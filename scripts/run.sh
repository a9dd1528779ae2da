#!/usr/bin/env bash
# The main job of `make run`: the synth with the bundled model (`waefader play`).
# With a display: the window (keyboard, faders, status) plus OSC on 127.0.0.1:9000 and MIDI.
# Without one: `waefader play` says so, renders a short demo phrase to out/demo.wav and
# starts the headless OSC/MIDI server instead (Ctrl+C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/waefader play "$@"
