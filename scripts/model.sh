#!/usr/bin/env bash
# The shipped default model in one command (`make model`), from the default corpus:
#   train wae-fader -> train the MCNN on corpus audio -> fine-tune it on the decoder ->
#   evaluate (judges' accuracy on its generations) -> export ONNX (fp16 weights) into
#   realtime/default_model/ -> bench render.
# usage: scripts/model.sh [--data DIR] [--out DIR] [--model-dir DIR] [--steps N]
#                         [--mcnn-steps N] [--finetune-steps N] [--judges DIR] [--threads N]
# Interrupted? Run it again: finished runs are kept, unfinished ones resume from their
# last checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."

data=data/corpus out=out/model model_dir=realtime/default_model judges=""
steps=() mcnn_steps=() ft_steps=() threads=(--threads 1)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --model-dir) model_dir=$2; shift 2 ;;
    --steps) steps=(--steps "$2"); shift 2 ;;
    --mcnn-steps) mcnn_steps=(--steps "$2"); shift 2 ;;
    --finetune-steps) ft_steps=(--steps "$2"); shift 2 ;;
    --judges) judges=$2; shift 2 ;;
    --threads) threads=(--threads "$2"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "model.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

W=.venv/bin/waefader
[[ -x $W ]] || { echo "model.sh: no $W; run 'make setup' first" >&2; exit 2; }
[[ -f $data/card.json ]] || make corpus
log() { echo "[model $(date +%H:%M:%S)] $*" >&2; }
# Start a run, or resume it when its folder already holds one (a finished run ends at once).
train() {
  local dir=$1; shift
  if [[ -f $dir/config.json ]]; then "$@" --out "$dir" --resume; else "$@" --out "$dir"; fi
}

mkdir -p "$out"
log "train wae-fader"
train "$out/wae-fader" $W train --model wae-fader --data "$data" "${steps[@]}" "${threads[@]}"
log "train the MCNN on corpus audio"
train "$out/mcnn" $W train-mcnn --data "$data" "${mcnn_steps[@]}" "${threads[@]}"
log "fine-tune the MCNN on the decoder's outputs"
if [[ -f $out/wae-fader/mcnn/config.json ]]; then
  $W finetune --run "$out/wae-fader" --resume "${ft_steps[@]}" "${threads[@]}"
else
  $W finetune --run "$out/wae-fader" --mcnn "$out/mcnn" "${ft_steps[@]}" "${threads[@]}"
fi
log "evaluate"
$W evaluate --run "$out/wae-fader" --data "$data" --out "$out/report" \
  --judges "${judges:-$out/judges}" --no-audio
log "export to $model_dir"
$W export --run "$out/wae-fader" --out "$model_dir" --quantize fp16-weights \
  --evaluation "$out/report"
$W bench render --model "$model_dir" --json
log "done: $model_dir"
