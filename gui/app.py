"""``waefader play``: the standalone synth window (engine + OSC + MIDI in one process).

Without a display (no DISPLAY / WAYLAND_DISPLAY and no QT_QPA_PLATFORM), it says so, renders
a short demo phrase to WAV and starts the headless server (``waefader serve``) instead.
User mistakes (bad model folder, bad option) give a message, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PyQt6.QtCore import QCoreApplication

    from gui.engine_backend import EngineBackend, PlayOptions
    from gui.main_window import MainWindow

from realtime.cli.engine_args import CliError, add_audio, add_model, device_rate, engine_config
from realtime.cli.styles import (
    StyleError,
    add_style_options,
    describe_mix,
    list_styles_if_asked,
    style_weights,
)

DEFAULT_DEMO = Path("out") / "demo.wav"


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="The standalone synth: fader panel, keyboard, OSC and MIDI in one window.",
    )
    add_model(p)
    add_audio(p)  # --device --blocksize --samplerate --voices --fixed-latency, as serve
    p.add_argument("--no-audio", action="store_true", help="open no audio output")
    p.add_argument("--osc-host", default="127.0.0.1", help="OSC listen address (default 127.0.0.1)")
    p.add_argument("--osc-port", type=int, default=9000,
                   help="OSC listen port, 0: any free (default 9000)")
    p.add_argument("--reply-port", "--osc-reply-port", dest="osc_reply_port", type=int,
                   help="port answers to /info, /presets and /status go to")
    p.add_argument("--no-osc", action="store_true", help="do not listen for OSC")
    p.add_argument("--midi-port",
                   help="MIDI input: 'virtual' (default: our port midi_in), name or index")
    p.add_argument("--midi-api", default="auto", choices=["auto", "alsa", "jack"],
                   help="MIDI backend (default auto)")
    p.add_argument("--midi-channel", type=int, help="listen to one MIDI channel (1..16)")
    p.add_argument("--cc-map", help="JSON file mapping MIDI CCs to controls")
    p.add_argument("--no-midi", action="store_true", help="do not open MIDI input")
    p.add_argument("--preset", help="preset name or JSON file to start with")
    add_style_options(p)
    p.add_argument("--sample", type=Path,
                   help="an audio file to load into the sample panel (transform mode)")
    p.add_argument("--demo-out", type=Path, default=DEFAULT_DEMO,
                   help=f"headless only: where the demo phrase goes (default {DEFAULT_DEMO})")
    p.add_argument("--demo-only", action="store_true",
                   help="headless only: render the demo phrase, then exit (no server)")
    p.add_argument("--screenshot", type=Path,
                   help="save a PNG of the window as the display shows it, after --play-demo")
    p.add_argument("--play-demo", action="store_true",
                   help="play a short phrase on the keyboard once the window is up")
    p.add_argument("--quit-after", type=float, metavar="S",
                   help="close the window after S seconds (demos, scripted screenshots)")
    return p


def has_display(env: Mapping[str, str]) -> bool:
    """A window can open: an X or Wayland display, or a Qt platform chosen explicitly."""
    return any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: list[str], prog: str = "waefader play") -> int:
    listed = list_styles_if_asked(argv, prog)
    if listed is not None:
        return listed
    args = build_parser(prog).parse_args(argv)
    if not has_display(os.environ):
        from gui.headless import run_headless

        return run_headless(args, prog)
    return run_window(args, prog)


def play_options(args: argparse.Namespace) -> PlayOptions:
    """Options -> PlayOptions (engine settings exactly as ``waefader serve`` makes them);
    raises realtime.cli.engine_args.CliError for bad settings."""
    from gui.engine_backend import PlayOptions
    from gui.surfaces import SurfaceOptions

    engine = engine_config(args, device_rate(args))
    surfaces = SurfaceOptions(
        audio=not args.no_audio, osc=not args.no_osc, osc_host=args.osc_host,
        osc_port=args.osc_port, osc_reply_port=args.osc_reply_port, midi=not args.no_midi,
        midi_port=args.midi_port, midi_api=args.midi_api, midi_channel=args.midi_channel,
        cc_map=args.cc_map,
    )
    model = None if args.model is None else str(args.model)
    return PlayOptions(model=model, engine=engine, surfaces=surfaces, preset=args.preset)


def run_window(args: argparse.Namespace, prog: str) -> int:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from gui.bridge import BackendError, EngineBridge
    from gui.engine_backend import EngineBackend
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([prog])
    try:
        backend = EngineBackend(play_options(args))  # loads and checks the model
    except (BackendError, CliError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        show_fatal("waefader: cannot start", str(exc))
        return 2
    bridge = EngineBridge(backend)
    window = MainWindow(bridge)
    window.show()
    app.processEvents()
    # Audio starts once the window is built and drawn: building it takes the GIL for a
    # while, which starved a running callback (measured: 3-13 underflows vs 0-1 this way).
    backend.start()
    if args.style:  # after the preset, as in serve and render: --style wins over its mix
        apply_styles_at_start(backend, args.style, prog)
    if args.preset and not backend.problems:
        from gui.model_bar import resolve_preset

        window.model_bar.show_preset(str(resolve_preset(args.preset)))
    if backend.audio_error:
        print(f"{prog}: no audio output: {backend.audio_error}", file=sys.stderr)
    for problem in backend.problems + backend.notes:
        print(f"{prog}: {problem}", file=sys.stderr)
    if backend.notes:
        window.statusBar().showMessage("; ".join(backend.notes), 15000)  # type: ignore[union-attr]
    if backend.problems:
        window.show_error("waefader: some parts did not start", "\n".join(backend.problems))
    if args.sample is not None:
        load_sample_at_start(window, args.sample, prog)
    keep_python_responsive(app, window)  # before saying we are open: Ctrl+C works from now
    print(f"{prog}: window open (pid {os.getpid()}); {describe(backend)}", flush=True)
    if args.play_demo or args.screenshot:
        from gui.showcase import Showcase

        window.showcase = Showcase(window, args.screenshot, play=args.play_demo)  # type: ignore[attr-defined]
    if args.quit_after is not None:
        QTimer.singleShot(round(args.quit_after * 1000), window.close)
    try:
        return app.exec()
    finally:
        bridge.stop_timers()
        backend.shutdown()
        print(f"{prog}: stopped; {summary(backend)}", flush=True)


def apply_styles_at_start(backend: EngineBackend, specs: list[str], prog: str) -> None:
    """--style: set the style faders (a bad name is a message, the window stays up)."""
    names = backend.engine.controls.style_names
    try:
        backend.set_control("style", style_weights(names, specs))
    except StyleError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return
    print(f"{prog}: style {describe_mix(names, backend.engine.get('style'))}", flush=True)  # type: ignore[arg-type]


def load_sample_at_start(window: MainWindow, path: Path, prog: str) -> None:
    """--sample: encoded on a pool thread like a dropped file; the outcome is also said in
    the terminal (a failure is a message box too)."""
    loader = window.sample_loader
    loader.loaded.connect(
        lambda info: print(f"{prog}: sample {info.path}: {info.note} {info.style} "
                           f"{info.dynamics}", flush=True)
    )  # fmt: skip
    loader.failed.connect(lambda text: print(f"{prog}: sample: {text}", file=sys.stderr))
    window.load_sample(str(path))


def describe(backend: EngineBackend) -> str:
    status = backend.status()
    audio = f"audio {status.device} @ {status.sample_rate} Hz" if status.running else "no audio"
    return f"{audio}; OSC {status.osc or 'off'}; MIDI {status.midi or 'off'}"


def summary(backend: EngineBackend) -> str:
    """One line of what happened, for the terminal (and the smoke test)."""
    s = backend.engine.stats()
    keys = ("notes_started", "notes_rendered", "underflows", "latency_ms_p50",
            "latency_ms_p99", "callback_load_p99")
    return ", ".join(f"{k} {s[k]}" for k in keys)


def show_fatal(title: str, text: str) -> None:
    """A blocking message box before any window exists (nothing else runs yet)."""
    from PyQt6.QtWidgets import QMessageBox

    QMessageBox.critical(None, title, text)


def keep_python_responsive(app: QCoreApplication, window: MainWindow) -> None:
    """Ctrl+C and SIGTERM close the window cleanly. Qt's event loop runs in C++, so Python
    only sees a signal when it next runs bytecode: a 200 ms no-op timer gives it the chance."""
    from PyQt6.QtCore import QTimer

    def close(*_: object) -> None:
        window.close()

    signal.signal(signal.SIGINT, close)
    signal.signal(signal.SIGTERM, close)
    tick = QTimer(app)
    tick.timeout.connect(lambda: None)
    tick.start(200)
