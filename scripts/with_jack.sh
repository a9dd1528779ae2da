#!/usr/bin/env bash
# Run a command with a private JACK server (dummy driver: real audio without a sound card).
# The server starts before the command (so PortAudio sees it) and stops after it exits.
#   scripts/with_jack.sh CMD...      (JACK_RATE / JACK_PERIOD override 48000 / 256)
# JACK_REALTIME=1 starts the server with real-time scheduling (-R -P 70) instead of -r: the
# benchmarks (`waefader latency`, `bench poly`) are measured that way, as on a real audio
# machine; a non-real-time dummy server misses its own cycles now and then (xruns).
set -uo pipefail
name="waefader-$$"
rate=${JACK_RATE:-48000}
period=${JACK_PERIOD:-256}
log=$(mktemp -t jackd.XXXXXX.log)
rt=(-r)
[ "${JACK_REALTIME:-0}" = 1 ] && rt=(-R -P 70)
jackd -n "$name" "${rt[@]}" -d dummy -r "$rate" -p "$period" >"$log" 2>&1 &
jack_pid=$!
cleanup() { kill "$jack_pid" 2>/dev/null; wait "$jack_pid" 2>/dev/null; rm -f "$log"; }
trap cleanup EXIT INT TERM
export JACK_DEFAULT_SERVER="$name"
export WAEFADER_JACKD_PID="$jack_pid"  # tests pause the server to force xruns
export JACK_NO_AUDIO_RESERVATION=1
if ! timeout 20 jack_wait -w >/dev/null 2>&1; then
  echo "with_jack: jackd did not start:" >&2; cat "$log" >&2; exit 1
fi
"$@"
