#!/usr/bin/env bash
# The shipped model's last stage (`make train-on`; `make fullband` for 44.1 kHz): the refit
# run's weights (scripts/refit.sh) trained on, encoder and decoder together (the refit kept
# the encoder), 3,000 steps at a fresh learning-rate cycle; exported with the
# harmonic-plus-noise vocoder, the library's vibrato and trill written into its manifest where
# the model's own notes lack them (from a bench quality run).
# --preset fullband: a 44.1 kHz corpus first; the features keep their shape, so every weight
# of the 22,050 Hz run is copied, and 700 steps adapt them to the full band before the rest.
# usage: scripts/train_on.sh [--preset default|fullband] [--from RUN] [--data DIR]
#                            [--out DIR] [--into DIR] [--steps N] [--threads N]
# Interrupted? Run it again: finished stages are kept, an unfinished training resumes.
# Time on the 2-core machine, 1 thread beside another training: ~1 s a step (50 minutes for
# 3,000; 0.37 s with 2 threads alone); bench quality 5-20 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=default from=out/refit/decoder data="" out="" into=realtime/default_model
steps=3000 threads=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) preset=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --into) into=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "train_on.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$preset" in
  default) data=${data:-data/corpus} out=${out:-out/train_on} ;;
  fullband) data=${data:-data/corpus_fb} out=${out:-out/fullband} ;;
  *) echo "train_on.sh: --preset is default or fullband" >&2; exit 2 ;;
esac

W=.venv/bin/waefader
[[ -x $W ]] || { echo "train_on.sh: no $W; run 'make setup' first" >&2; exit 2; }
[[ -f $from/checkpoint.pt ]] || { echo "train_on.sh: no run at $from (make refit)" >&2; exit 2; }
log() { echo "[train_on $(date +%H:%M:%S)] $*" >&2; }
[[ -f $data/card.json ]] || { log "build the corpus ($preset)"; $W dataset build --out "$data" --preset "$preset"; }
mkdir -p "$out"

train() {  # train RUN INIT STEPS
  local flags=(--model wae-fader --data "$data" --dec-head harmonic --init-from "$2"
               --steps "$3" --batch-size 32 --lr 0.002 --threads "$threads"
               --checkpoint-every 100 --valid-every 500)
  if [[ -f $1/config.json ]]; then $W train "${flags[@]}" --out "$1" --resume
  else $W train "${flags[@]}" --out "$1"; fi
}
start=$from
if [[ $preset == fullband ]]; then
  log "adapt the 22,050 Hz weights to the full band (700 steps)"
  train "$out/adapt" "$from" 700
  start=$out/adapt
fi
log "train on ($steps steps)"
train "$out/wae" "$start" "$steps"
log "export to $into"
$W export --run "$out/wae" --out "$into" --quantize fp16-weights
log "the library's vibrato and trill into the manifest, where the model lacks them"
$W bench quality --model "$into" --out "$out/quality"
.venv/bin/python -m realtime.modulation_info "$into" --quality "$out/quality" --write
$W bench render --model "$into" --json
log "done: $into (measure it: waefader bench quality --model $into --out DIR)"
