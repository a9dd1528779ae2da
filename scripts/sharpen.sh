#!/usr/bin/env bash
# The shipped model's latest stage (`make sharpen`): a model folder's weights read back
# (`waefader recover`), trained on with the spectral-convergence term (`--recon l1+sc`,
# 10,000 steps, lr 0.001), then polished with plain L1 (3,000 steps, lr 0.0005), then (--wave
# N; 1,500 at full band, 0 by default) trained N steps on the waveform too (`--wave-weight 0.05`: its notes played
# by the hpn vocoder against the library's audio), exported with fp16 weights, measured
# (bench quality) and its modulation table written.
# --preset fullband: the same at 44.1 kHz (`make sharpen-fullband`): a 44.1 kHz corpus
# (data/corpus_fb); the features keep their shape, so the 22,050 Hz weights all copy and the
# spectral-convergence stage adapts them to the wider Mel bands (4,000 + 1,500 + 1,500 steps:
# the shipped model since 2 December 2026).
# usage: scripts/sharpen.sh [--preset default|fullband] [--model DIR] [--data DIR]
#                           [--out DIR] [--into DIR] [--steps N] [--polish N] [--threads N]
#                           [--bands N] [--wave N] [--gan N] [--gan-polish N]
# --gan N (0 by default): N more steps with adversarial training too (`--gan-weight 0.03
# --gan-crop 8192`, lr 0.0003; 1,200 steps in 17.8 min with 2 threads at 44.1 kHz, 0.89 s a
# step), then --gan-polish M (400) the same with `--recon l1+sc --sc-weight 0.03` at lr
# 0.0001 (5.9 min): the shipped model since the night of 2 December 2026 (docs/QUALITY.md,
# "Adversarial fine-tune shipped").
# Time on the 2-core machine of 2 December 2026 (bench render 1.9 ms a note): 0.22 s a step
# with 2 threads, 0.31 s with 1 thread beside a second training: about 55 minutes in all.
# Full band: 4,000 steps in 20.3 min and 1,500 in 5.6 min with 2 threads, the waveform stage
# 1,500 steps in 16.8 min with 1 thread beside benches (0.67 s a step), the adversarial
# stages 24 min with 2 threads: about 75 minutes in all.
# Interrupted? Run it again: finished stages are kept, an unfinished training resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=default model=realtime/default_model data="" out="" into="" steps="" polish="" wave="" gan=0 threads=2
gan_polish=400
bands=64  # the hpn noise bank: 64 groups of 4 Mel bands (docs/QUALITY.md, "Full band")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset|--model|--data|--out|--into|--steps|--polish|--wave|--gan|--gan-polish|--threads|--bands)
      name=${1#--}; declare "${name//-/_}=$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "sharpen.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$preset" in
  default) data=${data:-data/corpus} out=${out:-out/sharpen} steps=${steps:-10000} polish=${polish:-3000} wave=${wave:-0} ;;
  fullband) data=${data:-data/corpus_fb} out=${out:-out/sharpen_fb} steps=${steps:-4000} polish=${polish:-1500} wave=${wave:-1500} ;;
  *) echo "sharpen.sh: --preset is default or fullband" >&2; exit 2 ;;
esac
into=${into:-$out/model}
W=.venv/bin/waefader
[[ -x $W ]] || { echo "sharpen.sh: no $W; run 'make setup' first" >&2; exit 2; }
say() { echo "[sharpen $(date +%H:%M:%S)] $*" >&2; }
[[ -f $data/card.json ]] || { say "build the corpus ($preset)"; $W dataset build --out "$data" --preset "$preset"; }
[[ -f $out/base/wae/checkpoint.pt ]] || { say "recover $model"; $W recover --model "$model" --out "$out/base"; }

stage() {  # stage RUN INIT STEPS LR RECON [EXTRA FLAGS...]
  local run=$1 flags=(--model wae-fader --data "$data" --dec-head harmonic --init-from "$2"
    --steps "$3" --lr "$4" --recon "$5" --sc-weight 0.1 --batch-size 32 --threads "$threads"
    --checkpoint-every 500 --valid-every 1000 "${@:6}")
  [[ -f $run/config.json ]] && flags+=(--resume)
  $W train "${flags[@]}" --out "$run"
}
# A stage given 0 steps is skipped: --steps 0 --polish 0 --wave 0 --gan N fine-tunes the
# recovered model adversarially and nothing else.
last=$out/base/wae
if (( steps > 0 )); then
  say "train with the spectral-convergence term ($steps steps)"
  stage "$out/sc" "$last" "$steps" 0.001 l1+sc
  last=$out/sc
fi
if (( polish > 0 )); then
  say "polish with plain L1 ($polish steps)"
  stage "$out/l1" "$last" "$polish" 0.0005 l1
  last=$out/l1
fi
if (( wave > 0 )); then
  say "train on the waveform too ($wave steps)"
  stage "$out/wave" "$last" "$wave" 0.0005 l1 --wave-weight 0.05
  last=$out/wave
fi
if (( gan > 0 )); then
  adversarial=(--wave-weight 0.05 --gan-weight 0.03 --gan-crop 8192)
  say "adversarial training too ($gan steps)"
  stage "$out/gan" "$last" "$gan" 0.0003 l1 "${adversarial[@]}"
  last=$out/gan
  if (( gan_polish > 0 )); then  # the Mel fit back (reconstruction SC 0.243 -> 0.201)
    say "adversarial, with a light spectral-convergence term ($gan_polish steps)"
    # a later --sc-weight overrides stage()'s 0.1 (the last flag given wins)
    stage "$out/gan_sc" "$last" "$gan_polish" 0.0001 l1+sc "${adversarial[@]}" --sc-weight 0.03
    last=$out/gan_sc
  fi
fi
say "export to $into"
$W export --run "$last" --out "$into" --quantize fp16-weights --hpn-bands "$bands"
$W bench quality --model "$into" --out "$out/quality"
.venv/bin/python -m realtime.modulation_info "$into" --quality "$out/quality" --write
$W bench render --model "$into" --json
say "done: $into (install: copy its four files into realtime/default_model)"
