#!/usr/bin/env bash
# The paper's ablation study in one command (docs/EVALUATION.md):
#   train wae-mmd, wae-note, wae-style and wae-fader with the same step budget, the MCNN on
#   the corpus audio, fine-tune it on the wae-fader decoder, then `waefader evaluate` all four
#   and write the report (markdown + JSON + PNG; the listening WAVs go beside the runs).
#
# usage: scripts/ablation.sh [--data DIR] [--out DIR] [--report DIR] [--steps N]
#                            [--mcnn-steps N] [--finetune-steps N] [--threads N] [--tiny]
#                            [--notes FILE]
#   --data            corpus (default data/corpus; built with `make corpus` when missing)
#   --out             run folders, judges and audio (default out/ablation)
#   --report          report folder (default docs/report)
#   --steps           optimiser steps of every WAE variant (default: the training recipe's)
#   --mcnn-steps      MCNN steps; --finetune-steps fine-tuning steps (defaults: the recipe's)
#   --tiny            toy-sized everything (a smoke test of the pipeline in a minute or two)
#   --notes           markdown appended to the report (the analysis of the numbers)
# Interrupted? Run the same command again: finished runs are kept, unfinished ones resume.
set -euo pipefail
cd "$(dirname "$0")/.."

data=data/corpus out=out/ablation report=docs/report notes=""
steps=() mcnn_steps=() ft_steps=() tiny=() threads=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    --steps) steps=(--steps "$2"); shift 2 ;;
    --mcnn-steps) mcnn_steps=(--steps "$2"); shift 2 ;;
    --finetune-steps) ft_steps=(--steps "$2"); shift 2 ;;
    --threads) threads=(--threads "$2"); shift 2 ;;
    --notes) notes=$2; shift 2 ;;
    --tiny) tiny=(--tiny); shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "ablation.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

W=.venv/bin/waefader
[[ -x $W ]] || { echo "ablation.sh: no $W; run 'make setup' first" >&2; exit 2; }
if [[ ! -f $data/card.json ]]; then
  if [[ $data == data/corpus ]]; then make corpus; else
    echo "ablation.sh: $data is not a corpus (no card.json)" >&2; exit 2; fi
fi
mkdir -p "$out"
log() { echo "[ablation $(date +%H:%M:%S)] $*" >&2; }

# Start a run, or resume it when its folder already holds one (a finished run ends at once).
train() {
  local dir=$1; shift
  if [[ -f $dir/config.json ]]; then "$@" --out "$dir" --resume; else "$@" --out "$dir"; fi
}

start=$SECONDS
for v in wae-mmd wae-note wae-style wae-fader; do
  log "train $v"
  train "$out/$v" $W train --model "$v" --data "$data" "${steps[@]}" "${threads[@]}" "${tiny[@]}"
done
log "train the MCNN"
train "$out/mcnn" $W train-mcnn --data "$data" "${mcnn_steps[@]}" "${threads[@]}" "${tiny[@]}"
log "fine-tune the MCNN on the wae-fader decoder"
if [[ -f $out/wae-fader/mcnn/config.json ]]; then
  $W finetune --run "$out/wae-fader" --resume "${ft_steps[@]}" "${threads[@]}" "${tiny[@]}"
else
  $W finetune --run "$out/wae-fader" --mcnn "$out/mcnn" "${ft_steps[@]}" "${threads[@]}" "${tiny[@]}"
fi
train_s=$((SECONDS - start))
log "evaluate (training took ${train_s} s)"
note_args=()
[[ -n $notes ]] && note_args=(--notes "$notes")
$W evaluate --data "$data" --out "$report" --judges "$out/judges" --audio-out "$out/audio" \
  --mcnn "$out/mcnn" "${tiny[@]}" "${note_args[@]}" \
  --run "$out/wae-mmd" --run "$out/wae-note" --run "$out/wae-style" --run "$out/wae-fader"
log "done in $((SECONDS - start)) s: $report/report.md (audio in $out/audio)"
