#!/usr/bin/env bash
# The shipped model's latest stage (`make sharpen`): a model folder's weights read back
# (`waefader recover`), trained on with the spectral-convergence term (`--recon l1+sc`,
# 10,000 steps, lr 0.001), then polished with plain L1 (3,000 steps, lr 0.0005), exported
# with fp16 weights, measured (bench quality) and its modulation table written.
# usage: scripts/sharpen.sh [--model DIR] [--data DIR] [--out DIR] [--into DIR]
#                           [--steps N] [--polish N] [--threads N]
# Time on the 2-core machine of 2 December 2026 (bench render 1.9 ms a note): 0.22 s a step
# with 2 threads, 0.31 s with 1 thread beside a second training: about 55 minutes in all.
# Interrupted? Run it again: finished stages are kept, an unfinished training resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
model=realtime/default_model data=data/corpus out=out/sharpen into=out/sharpen/model
steps=10000 polish=3000 threads=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model|--data|--out|--into|--steps|--polish|--threads) declare "${1#--}=$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "sharpen.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
W=.venv/bin/waefader
[[ -x $W ]] || { echo "sharpen.sh: no $W; run 'make setup' first" >&2; exit 2; }
say() { echo "[sharpen $(date +%H:%M:%S)] $*" >&2; }
[[ -f $data/card.json ]] || { say "build the corpus"; $W dataset build --out "$data"; }
[[ -f $out/base/wae/checkpoint.pt ]] || { say "recover $model"; $W recover --model "$model" --out "$out/base"; }

stage() {  # stage RUN INIT STEPS LR RECON
  local run=$1 flags=(--model wae-fader --data "$data" --dec-head harmonic --init-from "$2"
    --steps "$3" --lr "$4" --recon "$5" --sc-weight 0.1 --batch-size 32 --threads "$threads"
    --checkpoint-every 500 --valid-every 1000)
  [[ -f $run/config.json ]] && flags+=(--resume)
  $W train "${flags[@]}" --out "$run"
}
say "train with the spectral-convergence term ($steps steps)"
stage "$out/sc" "$out/base/wae" "$steps" 0.001 l1+sc
say "polish with plain L1 ($polish steps)"
stage "$out/l1" "$out/sc" "$polish" 0.0005 l1
say "export to $into"
$W export --run "$out/l1" --out "$into" --quantize fp16-weights
$W bench quality --model "$into" --out "$out/quality"
.venv/bin/python -m realtime.modulation_info "$into" --quality "$out/quality" --write
$W bench render --model "$into" --json
say "done: $into (install: copy its four files into realtime/default_model)"
