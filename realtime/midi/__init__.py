"""MIDI input (mido + python-rtmidi): notes with velocity, sustain pedal, CC -> fader map,
port selection; and MIDI files as timed events for offline renders."""

from realtime.midi.handler import MidiHandler
from realtime.midi.mapping import CcMap, MidiError

__all__ = ["CcMap", "MidiError", "MidiHandler"]
