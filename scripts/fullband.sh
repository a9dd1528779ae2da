#!/usr/bin/env bash
# The shipped full-band model (`make fullband`): a 44.1 kHz corpus (--preset fullband), the
# 22,050 Hz refit run's weights as the start (the features keep their shape, so every weight
# is copied), encoder and decoder trained on the full band (700 steps to adapt, then 3,000
# at a fresh learning-rate cycle), exported with the harmonic-plus-noise vocoder, the
# library's vibrato and trill written into its manifest from a bench quality run.
# usage: scripts/fullband.sh [--from RUN] [--data DIR] [--out DIR] [--into DIR]
#                            [--steps N] [--threads N]
# Interrupted? Run it again: finished stages are kept, an unfinished training resumes.
# Time on the 2-core machine: about 5 + 50 minutes of training with 1 thread beside another
# job (0.37 s a step with 2 threads alone), bench quality 5-20 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

from=data/runs/refit data=data/corpus_fb out=out/fullband into=realtime/default_model
steps=3000 threads=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --from) from=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --into) into=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "fullband.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

W=.venv/bin/waefader
[[ -x $W ]] || { echo "fullband.sh: no $W; run 'make setup' first" >&2; exit 2; }
[[ -f $from/checkpoint.pt ]] || { echo "fullband.sh: no run at $from (make refit)" >&2; exit 2; }
log() { echo "[fullband $(date +%H:%M:%S)] $*" >&2; }
[[ -f $data/card.json ]] || { log "build the 44.1 kHz corpus"; $W dataset build --out "$data" --preset fullband; }
mkdir -p "$out"

train() {  # train RUN INIT STEPS
  local flags=(--model wae-fader --data "$data" --dec-head harmonic --init-from "$2"
               --steps "$3" --batch-size 32 --lr 0.002 --threads "$threads"
               --checkpoint-every 100 --valid-every 500)
  if [[ -f $1/config.json ]]; then $W train "${flags[@]}" --out "$1" --resume
  else $W train "${flags[@]}" --out "$1"; fi
}
log "adapt the 22,050 Hz weights to the full band (700 steps)"
train "$out/adapt" "$from" 700
log "train on ($steps steps)"
train "$out/wae" "$out/adapt" "$steps"
log "export to $into"
$W export --run "$out/wae" --out "$into" --quantize fp16-weights
log "the library's vibrato and trill into the manifest"
$W bench quality --model "$into" --out "$out/quality"
.venv/bin/python -m realtime.modulation_info "$into" --quality "$out/quality" --write
$W bench render --model "$into" --json
log "done: $into (measure it: waefader bench quality --model $into)"
