#!/usr/bin/env bash
# The main job of `make run`. Today: build a small corpus and render a few of its notes
# through features + Griffin-Lim to WAV files under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out}
.venv/bin/waefader dataset build --small --out "$out/corpus-small"
.venv/bin/waefader dataset gla --data "$out/corpus-small" --n 6 --wav-out "$out/gla"
echo "run: wrote Griffin-Lim renders of corpus notes to $out/gla/"
