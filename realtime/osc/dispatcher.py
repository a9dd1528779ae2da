"""Raw OSC datagrams -> engine calls and query replies. No socket here: tests feed bytes.

Every datagram is counted; what cannot be used is counted by reason and never raises:
``malformed`` (not OSC), ``unknown`` (address), ``bad_args`` (wrong count or types),
``out_of_range`` (values outside a control's range), ``errors`` (anything else).

``/waefader/transform`` is checked at once and run on a background thread
(:mod:`realtime.osc.transform`); its outcome is counted then and, when ``send`` is set
(the server sets it), answered with ``/transform/done`` or ``/transform/error``.

Bundles are walked element by element (:mod:`realtime.osc.packets`): an element that is
not OSC, or whose size runs past the packet, counts as ``malformed``; the others still play.

Bundles: a future timetag schedules the bundle's notes at that time on the audio clock
(the engine places them on their exact sample); nothing sleeps. A timetag already past is
played at once and counted ``late``; one more than ``horizon_s`` ahead (60 s by default) is
refused and counted ``too_far``, so far-future notes cannot pile up.

Files: ``/preset`` and ``/preset/save`` take preset names, read from and written to the
preset folders only (:mod:`realtime.engine.preset_folders`); ``/transform`` reads only inside
the folders given by ``allow_dirs`` (:mod:`realtime.osc.sandbox`). Every refusal reads ``not
allowed or not found``, and ``last_problem`` (shown to every sender in ``/status``) never
holds a file name or path.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from pythonosc import osc_message
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.parsing import osc_types

from realtime.engine import ControlError, Engine, PresetError
from realtime.engine.preset_folders import REFUSED
from realtime.engine.presets import save_named_preset
from realtime.osc.address import CONTROL_PATHS, PREFIX, address_list, style_for
from realtime.osc.packets import timed_messages
from realtime.osc.quiet import capture_library_warnings, library_warnings
from realtime.osc.sandbox import AllowedDirs, NotAllowed
from realtime.osc.transform import TransformRequest, parse_request
from realtime.transform import TransformError, transform_file
from realtime.transform.jobs import TransformJobs
from realtime.transform.play import engine_synth, play_sound
from realtime.transform.synth import EncoderSynth

Target = tuple[str, int]
Reply = tuple[bytes, Target]
HORIZON_S = 60.0  # timetags further ahead are refused


class BadArgs(ValueError):
    """Wrong count or types of arguments."""


@dataclass
class OscCounters:
    packets: int = 0
    messages: int = 0
    malformed: int = 0
    unknown: int = 0
    bad_args: int = 0
    out_of_range: int = 0
    errors: int = 0
    refused: int = 0  # files outside the sandbox, missing or unreadable (one answer for all)
    too_far: int = 0  # timetags beyond the horizon
    scheduled: int = 0
    late: int = 0
    replies: int = 0
    transforms: int = 0  # transformed notes played (failures count as bad_args / errors)
    kernel_drops: int = 0  # datagrams the kernel dropped (receive buffer full; the server)
    refused_senders: int = 0  # datagrams from hosts outside --osc-allow (the server)

    @property
    def bad(self) -> int:
        return (
            self.malformed
            + self.unknown
            + self.bad_args
            + self.out_of_range
            + self.errors
            + self.refused
            + self.too_far
        )

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "bad_packets": self.bad, "library_warnings": library_warnings()}


def build(address: str, *args: Any) -> bytes:
    b = OscMessageBuilder(address)
    for a in args:
        b.add_arg(a)
    return b.build().dgram  # type: ignore[no-any-return]


def _num(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise BadArgs(f"expected a number, got {v!r}")
    return float(v)


def _switch(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    x = _num(v)
    if x not in (0.0, 1.0):
        raise ControlError(f"on/off value {x:g} outside 0..1")
    return x == 1.0


class OscDispatcher:
    """Turns OSC datagrams into engine calls; ``handle_datagram`` returns the replies."""

    def __init__(
        self,
        engine: Engine,
        *,
        prefix: str = PREFIX,
        reply_port: int | None = None,
        extra_status: Callable[[], dict[str, Any]] | None = None,
        allow_dirs: AllowedDirs | None = None,
        horizon_s: float = HORIZON_S,
    ) -> None:
        capture_library_warnings()
        self.engine = engine
        self.allowed = allow_dirs or AllowedDirs()
        self.horizon_s = horizon_s
        self.prefix = prefix.rstrip("/")
        self.reply_port = reply_port
        self.extra_status = extra_status
        self.counters = OscCounters()
        self.last_problem = ""
        self.send: Callable[[list[Reply]], None] | None = None  # replies made later
        self.jobs = TransformJobs()
        self._count_lock = threading.Lock()  # transform jobs count from their own thread
        self._at_frame: int | None = None  # freewheel: place notes on this audio-clock frame
        self._handlers: dict[
            str, Callable[[list[Any], float | None, float, Target | None], list[Reply]]
        ] = {
            "note_on": self._note_on,
            "note_off": self._note_off,
            "sustain": self._sustain,
            "bend": self._bend,
            "panic": self._panic,
            "note_mix": self._note_mix,
            "latent/randomize": self._randomize,
            "preset": self._preset,
            "presets": self._presets,
            "preset/save": self._preset_save,
            "info": self._info,
            "status": self._status,
            "transform": self._transform,
        }

    # --- entry point ------------------------------------------------------------------------
    def handle_datagram(
        self,
        data: bytes,
        sender: Target | None = None,
        arrival: float | None = None,
        frame: int | None = None,
    ) -> list[Reply]:
        """One UDP payload. Never raises; returns ``(datagram, (host, port))`` replies.
        ``frame`` (offline render): notes start on that audio-clock frame, timetags aside."""
        arrival = time.perf_counter() if arrival is None else arrival
        self._at_frame = frame
        self.counters.packets += 1
        problems: list[str] = []
        try:
            messages = timed_messages(bytes(data), problems)
        except Exception as exc:  # Malformed, or python-osc's own errors on garbage
            self._problem("malformed", f"malformed packet ({exc})")
            return []
        for problem in problems:  # bad bundle elements; the good ones still play
            self._problem("malformed", f"malformed packet: {problem}")
        replies: list[Reply] = []
        wall = time.time()
        for tag, msg in messages:
            self.counters.messages += 1
            if tag != osc_types.IMMEDIATELY and tag - wall > self.horizon_s and frame is None:
                self._problem(
                    "too_far", f"timetag {tag - wall:.0f} s ahead, over {self.horizon_s:g} s"
                )
                continue
            when = self._when(tag, wall, arrival)
            replies.extend(self._dispatch(msg, when, arrival, sender))
        self.counters.replies += len(replies)
        return replies

    def _when(self, tag: float, wall: float, arrival: float) -> float | None:
        """A timetag (unix seconds) as a perf_counter instant; None: play now."""
        if tag == osc_types.IMMEDIATELY or self._at_frame is not None:
            return None
        ahead = tag - wall
        if ahead <= 0:
            self.counters.late += 1
            return None
        self.counters.scheduled += 1
        return arrival + ahead

    def _dispatch(
        self, msg: osc_message.OscMessage, when: float | None, arrival: float, sender: Target | None
    ) -> list[Reply]:
        address = msg.address
        if not address.startswith(self.prefix + "/"):
            self._problem("unknown", f"unknown address {address}")
            return []
        path = address[len(self.prefix) + 1 :].rstrip("/")
        args = list(msg.params)
        try:
            handler = self._handlers.get(path)
            if handler is not None:
                return handler(args, when, arrival, sender)
            style = style_for(path, self.engine.controls.style_names)
            if style is not None:
                self.engine.controls.set_style(style, _num(self._one(args)))
                return []
            if path in CONTROL_PATHS:
                self._set_control(path, args)
                return []
            self._problem("unknown", f"unknown address {address}")
        except (NotAllowed, PresetError) as exc:  # never the name: /status shows it to all
            kind = "refused" if str(exc) == REFUSED else "bad_args"
            self._problem(kind, f"{address}: {exc}")
        except BadArgs as exc:
            self._problem("bad_args", f"{address}: {exc}")
        except (ControlError, ValueError) as exc:
            kind = "out_of_range" if "outside" in str(exc) else "bad_args"
            self._problem(kind, f"{address}: {exc}")
        except Exception as exc:
            self._problem("errors", f"{address}: {type(exc).__name__}: {exc}")
        return []

    def _problem(self, kind: str, text: str) -> None:
        with self._count_lock:
            setattr(self.counters, kind, getattr(self.counters, kind) + 1)
            self.last_problem = text

    def close(self) -> None:
        """Finish the transforms already asked for (the server calls it when stopping)."""
        self.jobs.stop()

    @staticmethod
    def _one(args: list[Any]) -> Any:
        if len(args) != 1:
            raise BadArgs(f"takes 1 argument, got {len(args)}")
        return args[0]

    # --- handlers ----------------------------------------------------------------------------
    def _note_on(
        self, args: list[Any], when: float | None, arrival: float, _: Target | None
    ) -> list[Reply]:
        if not 2 <= len(args) <= 3:
            raise BadArgs(f"note_on takes pitch velocity [duration], got {len(args)} arguments")
        pitch, velocity = _num(args[0]), _num(args[1])
        duration = _num(args[2]) if len(args) == 3 else None
        if velocity == 0:
            self.engine.note_off(round(pitch), time=when, frame=self._at_frame)
            return []
        self.engine.note_on(
            round(pitch) if pitch == round(pitch) else pitch,  # type: ignore[arg-type]
            velocity,
            duration,
            time=when,
            frame=self._at_frame,
            arrival=arrival,
        )
        return []

    def _note_off(
        self, args: list[Any], when: float | None, _a: float, _s: Target | None
    ) -> list[Reply]:
        self.engine.note_off(round(_num(self._one(args))), time=when, frame=self._at_frame)
        return []

    def _sustain(
        self, args: list[Any], when: float | None, _a: float, _s: Target | None
    ) -> list[Reply]:
        self.engine.sustain(_switch(self._one(args)), time=when, frame=self._at_frame)
        return []

    def _bend(
        self, args: list[Any], when: float | None, _a: float, _s: Target | None
    ) -> list[Reply]:
        self.engine.bend(_num(self._one(args)), time=when, frame=self._at_frame)
        return []

    def _panic(
        self, args: list[Any], _w: float | None, _a: float, _s: Target | None
    ) -> list[Reply]:
        self.engine.panic()
        return []

    def _set_control(self, name: str, args: list[Any]) -> None:
        spec = self.engine.controls.specs[name]
        if spec.boolean:
            self.engine.set(name, _switch(self._one(args)))
        elif spec.size == 0:
            self.engine.set(name, _num(self._one(args)))
        else:
            if not args:
                raise BadArgs(f"{name} takes 1..{spec.size} numbers")
            self.engine.set(name, [_num(a) for a in args])

    def _note_mix(
        self, args: list[Any], _w: float | None, _a: float, _s: Target | None
    ) -> list[Reply]:
        if len(args) != 21:
            raise BadArgs(f"note_mix takes 12 pitch-class + 9 octave weights, got {len(args)}")
        values = [_num(a) for a in args]
        controls = self.engine.controls
        for name, part in (("pitch_class_mix", values[:12]), ("octave_mix", values[12:])):
            controls._validate(controls.specs[name], part, controls.get(name))  # all or nothing
        self.engine.set("pitch_class_mix", values[:12])
        self.engine.set("octave_mix", values[12:])
        return []

    def _randomize(
        self, args: list[Any], _w: float | None, _a: float, _s: Target | None
    ) -> list[Reply]:
        if len(args) > 1:
            raise BadArgs("latent/randomize takes [scale]")
        scale = _num(args[0]) if args else 1.0
        if not 0 <= scale <= 4:
            raise ControlError(f"scale {scale:g} outside 0..4")
        self.engine.randomize_latent(scale)
        return []

    def _preset(
        self, args: list[Any], _w: float | None, _a: float, _s: Target | None
    ) -> list[Reply]:
        name = self._one(args)
        if not isinstance(name, str):
            raise BadArgs("preset takes a preset name")
        warnings = self.engine.load_preset(name, remote=True)
        if warnings:
            self.last_problem = "; ".join(warnings)
        return []

    def _presets(
        self, args: list[Any], _w: float | None, _a: float, sender: Target | None
    ) -> list[Reply]:
        target = self._target(args, sender)
        if target is None:
            return []
        return [(build(f"{self.prefix}/presets", *self.engine.presets()), target)]

    def _preset_save(
        self, args: list[Any], _w: float | None, _a: float, _s: Target | None
    ) -> list[Reply]:
        if not 1 <= len(args) <= 2 or not isinstance(args[0], str):
            raise BadArgs("preset/save takes a preset name [overwrite]")
        overwrite = len(args) == 2 and (args[1] == "overwrite" or _switch(args[1]))
        save_named_preset(self.engine.controls, args[0], overwrite)
        return []

    def _transform(
        self, args: list[Any], _w: float | None, _a: float, sender: Target | None
    ) -> list[Reply]:
        request = parse_request(args, self.engine.controls.style_names)
        target = self._target([], sender)
        engine = self.engine
        try:
            file = self.allowed.open(request.name)
        except NotAllowed:
            self._problem("refused", f"{self.prefix}/transform: {REFUSED}")
            reply = build(f"{self.prefix}/transform/error", request.name, REFUSED)
            return [] if target is None else [(reply, target)]
        try:
            synth = engine_synth(self.engine)
        except Exception:
            file.close()
            raise

        def job() -> None:
            with file:
                self._run_transform(engine, synth, request, file, target)

        if not self.jobs.submit(job):
            file.close()
            raise TransformError(f"{self.jobs.limit} transforms are waiting already; try later")
        return []

    def _run_transform(
        self,
        engine: Engine,
        synth: EncoderSynth,
        request: TransformRequest,
        file: BinaryIO,
        target: Target | None,
    ) -> None:
        """On the jobs thread: transform, play, count, answer."""
        name = request.name
        p = self.prefix
        try:
            result = transform_file(synth, file, request.edits)
            play_sound(engine, result, request.which)
        except Exception as exc:
            kind = "bad_args" if isinstance(exc, ValueError) else "errors"
            text = str(exc) if kind == "bad_args" else f"{type(exc).__name__}: {exc}"
            self._problem(kind, f"{p}/transform: {text}")
            self._send_later(build(f"{p}/transform/error", name, text), target)
            return
        with self._count_lock:
            self.counters.transforms += 1
        self._send_later(build(f"{p}/transform/done", name, json.dumps(result.summary())), target)

    def _send_later(self, datagram: bytes, target: Target | None) -> None:
        if self.send is not None and target is not None:
            self.send([(datagram, target)])

    # --- queries -----------------------------------------------------------------------------
    def _target(self, args: list[Any], sender: Target | None) -> Target | None:
        if len(args) > 1:
            raise BadArgs("queries take [reply-port]")
        port = self.reply_port
        if args:
            p = _num(args[0])
            if not 1 <= p <= 65535 or p != int(p):
                raise ControlError(f"reply port {p:g} outside 1..65535")
            port = int(p)
        if sender is None:
            return None
        return (sender[0], port) if port else sender

    def _info(
        self, args: list[Any], _w: float | None, _a: float, sender: Target | None
    ) -> list[Reply]:
        target = self._target(args, sender)
        if target is None:
            return []
        info = self.engine.info()
        info["osc_prefix"] = self.prefix
        p = self.prefix
        return [
            (build(f"{p}/info", json.dumps(info)), target),
            (build(f"{p}/info/styles", *info["styles"]), target),
            (build(f"{p}/info/addresses", *address_list(p, info["styles"])), target),
        ]

    def status(self) -> dict[str, Any]:
        s = self.engine.stats()
        s["osc"] = self.counters.as_dict()
        s["osc_last_problem"] = self.last_problem
        if self.extra_status is not None:
            s.update(self.extra_status())
        return s

    def _status(
        self, args: list[Any], _w: float | None, _a: float, sender: Target | None
    ) -> list[Reply]:
        target = self._target(args, sender)
        if target is None:
            return []
        s = self.status()
        p = self.prefix
        lat = [float(s["latency_ms_p50"] or 0.0), float(s["latency_ms_p99"] or 0.0)]
        return [
            (build(f"{p}/status", json.dumps(s)), target),
            (build(f"{p}/status/latency", *lat), target),
            (build(f"{p}/status/voices", int(s["voices"])), target),
            (build(f"{p}/status/underflows", int(s["underflows"])), target),
            (build(f"{p}/status/bad_packets", int(self.counters.bad)), target),
        ]
