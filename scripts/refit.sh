#!/usr/bin/env bash
# The shipped model's decoder refit (`make refit`): read the weights of a model folder back
# into run folders, keep its encoder (z, the Fader result and transform mode stay), train the
# decoder with the harmonic head (the partials of the asked pitch: no wrong octaves), fine-tune
# the MCNN on it, evaluate with the shipped judges, export, bench.
# usage: scripts/refit.sh [--model DIR] [--data DIR] [--out DIR] [--steps N]
#                         [--finetune-steps N] [--threads N] [--into DIR]
# Interrupted? Run it again: finished stages are kept, an unfinished training resumes.
set -euo pipefail
cd "$(dirname "$0")/.."

model=realtime/default_model data=data/corpus out=out/refit into=realtime/default_model
steps=700 ft_steps=300 threads=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --into) into=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --finetune-steps) ft_steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "refit.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

W=.venv/bin/waefader
[[ -x $W ]] || { echo "refit.sh: no $W; run 'make setup' first" >&2; exit 2; }
[[ -f $data/card.json ]] || make corpus
log() { echo "[refit $(date +%H:%M:%S)] $*" >&2; }
mkdir -p "$out"
[[ -f $out/base/wae/config.json ]] || { log "recover $model"; $W recover --model "$model" --out "$out/base"; }
log "train the decoder (harmonic head, encoder kept)"
run=$out/decoder
flags=(--model wae-fader --data "$data" --dec-head harmonic --init-from "$out/base/wae"
       --freeze-encoder --steps "$steps" --batch-size 32 --lr 0.002 --threads "$threads"
       --checkpoint-every 50 --valid-every 350)
if [[ -f $run/config.json ]]; then $W train "${flags[@]}" --out "$run" --resume
else $W train "${flags[@]}" --out "$run"; fi
log "fine-tune the MCNN on the new decoder"
if [[ -f $run/mcnn/config.json ]]; then
  $W finetune --run "$run" --resume --steps "$ft_steps" --threads "$threads"
else
  $W finetune --run "$run" --mcnn "$out/base/mcnn" --steps "$ft_steps" --threads "$threads"
fi
log "export to $into"
$W export --run "$run" --out "$into" --quantize fp16-weights
$W bench render --model "$into" --json
log "done: $into (measure it: waefader bench quality --model $into)"
