"""The real-time engine: a playable synth over any ``NoteRenderer`` (never torch).

Facade (what the GUI, OSC, MIDI and the commands use)::

    from realtime.engine import Engine, EngineConfig
    engine = Engine(renderer, EngineConfig(blocksize=256, max_voices=32))
    engine.start()                      # worker + sounddevice stream (EngineError: no device)
    nid = engine.note_on(60, 100)       # pitch, velocity [, duration s] [, time=perf_counter t]
    engine.note_off(60)
    engine.sustain(True); engine.panic()
    engine.bend(2.0)                    # semitones: sounding and new notes (0 ends it)
    engine.post(NoteOn(62, 90, duration=0.5))    # or event objects (realtime.engine.events)
    engine.set("style", [1.0, 0.5]); engine.controls.set_style("violin", 0.8)
    engine.get("gain"); engine.controls.values()  # every control (see realtime.engine.controls)
    unsubscribe = engine.subscribe(lambda name, value: ...)  # any change, from any thread
    engine.save_preset("my.json"); engine.load_preset("fifths")   # -> warnings
    engine.stats()   # dict: latency_ms_p50/p99, render_ms_p50, callback_load_*, underflows,
                     # callback_worst_ms/_budget, stalls, gc_ms_max, voices, device, ...
    engine.info()    # styles, style_ranges, latent_dim, rates, controls, presets
    engine.last_note()   # (audio at device rate, rate) of the newest rendered note, or None
    engine.stop()

Threads: ``note_on`` & co. only post requests (never block on audio); the render worker
thread runs the model, resamples (soxr) and hands notes to the callback through a deque;
the audio callback (``Mixer.process``, contract in ``mixer.py``) only mixes preallocated
buffers. Subscribers run on the thread that changed the control (OSC, MIDI, GUI): a GUI
must forward to its own thread. Without a stream, ``engine.process(out)`` drives the
callback directly and ``realtime.engine.offline.freewheel`` renders offline.

Files: config (EngineConfig), events (events, callback messages, audio clock), controls
(control state), presets (JSON), cache (rendered notes), worker (render thread), voice and
pool (voices, stealing), sustain_loop (held notes' loops), bend (pitch bend), mixer (the
callback), limiter, fx (pedalboard post-FX), stats
(latency, load, underflows), stream (device, watchdog), offline (freewheel); headroom:
stall_monitor (the callback's worst blocks and gaps), gc_control (collector frozen and run
off the audio path, its passes timed), step_times (the render threads' GIL-holding steps),
steal (host steal on a VM), stalls (what overlapped a stall).
"""

from realtime.engine.config import EngineConfig, EngineError
from realtime.engine.controls import ControlError, Controls
from realtime.engine.engine import Engine
from realtime.engine.events import NoteOff, NoteOn, Panic, PitchBend, Sustain
from realtime.engine.presets import PresetError

__all__ = [
    "ControlError",
    "Controls",
    "Engine",
    "EngineConfig",
    "EngineError",
    "NoteOff",
    "NoteOn",
    "Panic",
    "PitchBend",
    "PresetError",
    "Sustain",
]
