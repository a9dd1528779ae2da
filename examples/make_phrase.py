"""Write examples/phrase.mid: a short phrase (melody over held chords, sustain pedal, a
gain CC ramp) to try ``waefader render``. Run: .venv/bin/python examples/make_phrase.py"""

from __future__ import annotations

from pathlib import Path

import mido

TPB = 480  # ticks per beat; 100 bpm below


def phrase() -> mido.MidiFile:
    mid = mido.MidiFile(ticks_per_beat=TPB)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100)))
    events: list[tuple[int, mido.Message]] = []

    def note(beat: float, length: float, pitch: int, velocity: int) -> None:
        events.append((round(beat * TPB), mido.Message("note_on", note=pitch, velocity=velocity)))
        events.append((round((beat + length) * TPB), mido.Message("note_off", note=pitch)))

    for i, chord in enumerate([(48, 55, 64), (45, 52, 60), (41, 48, 57), (43, 50, 59)]):
        for p in chord:
            note(4 * i, 3.9, p, 50)
    melody = [72, 74, 76, 79, 77, 76, 74, 72, 69, 71, 72, 74, 71, 67, 69, 71]
    for i, p in enumerate(melody):
        note(i, 0.9, p, 70 + (i % 4) * 12)
    events.append((0, mido.Message("control_change", control=64, value=127)))
    events.append((12 * TPB, mido.Message("control_change", control=64, value=0)))
    for k in range(8):  # CC 7 (gain) swells over the last bar
        events.append(
            (12 * TPB + k * TPB // 2, mido.Message("control_change", control=7, value=90 + 4 * k))
        )
    now = 0
    for tick, msg in sorted(events, key=lambda e: (e[0], e[1].type != "note_off")):
        track.append(msg.copy(time=tick - now))
        now = tick
    return mid


if __name__ == "__main__":
    out = Path(__file__).with_name("phrase.mid")
    phrase().save(out)
    print(out)
