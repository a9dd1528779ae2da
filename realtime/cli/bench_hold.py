"""``waefader bench hold``: held notes and pitch bend of a model, measured on offline renders.

For every style the model's manifest says sustains (``sustain``; measured from its renders
when absent), one note in the middle of the style's range is held 8 s and 30 s, once from a
MIDI file (note-on, note-off) and once from an OSC score (``note_on`` with a duration),
both rendered exactly as ``waefader render`` does (freewheel). Each render is checked as
:mod:`realtime.cli.hold_measure` says (level within 3 dB of the sustain level until the
note-off, no sample step larger than the first second's, -40 dB within release + 0.5 s).
Decaying styles are held 8 s too: they must end with their own decay. A MIDI file bends a
held note by the pitch wheel (+8191 = +2 semitones) and YIN measures the change.
``--figure`` draws the envelopes (matplotlib).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from realtime.cli.engine_args import CliError, add_model, load_renderer, run
from realtime.cli.helptext import summary as help_summary
from realtime.cli.hold_measure import (
    bend_cents,
    bend_step_ratio,
    check_hold,
    natural_end,
    note_jump,
)
from realtime.engine import Engine, EngineConfig
from realtime.engine.offline import freewheel
from realtime.renderer import NoteRenderer

HOLDS = (8.0, 30.0)
BEND_AT, BEND_HOLD = 2.0, 4.0


def parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=help_summary(__doc__))
    add_model(ap)
    ap.add_argument("--samplerate", type=int, default=48000, help="render rate (default 48000)")
    ap.add_argument(
        "--holds",
        default=",".join(f"{h:g}" for h in HOLDS),
        help="seconds held, comma-separated (default %(default)s)",
    )
    ap.add_argument("--release", type=float, default=0.3, help="release time, s (default 0.3)")
    ap.add_argument("--styles", default=None, help="comma-separated styles (default: all)")
    ap.add_argument("--paths", default="midi,osc", help="note sources: midi, osc (default both)")
    ap.add_argument("--figure", type=Path, default=None, help="PNG of the held-note envelopes")
    ap.add_argument(
        "--voices", type=int, default=32, help="held voices for the callback cost (default 32)"
    )
    ap.add_argument("--no-callback", action="store_true", help="skip the callback cost")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return ap


def sustain_table(renderer: NoteRenderer) -> tuple[dict[str, bool], str]:
    table = getattr(renderer, "style_sustain", None)
    if table:
        return dict(table), "manifest"
    from realtime.sustain_info import measure_sustain

    info = measure_sustain(renderer, dict(getattr(renderer, "style_ranges", {}) or {}))
    return {k: v["sustains"] for k, v in info["styles"].items()}, "measured now"


def style_pitch(renderer: NoteRenderer, style: str) -> int:
    low, high = dict(getattr(renderer, "style_ranges", {}) or {}).get(style, (48, 84))
    return (low + high) // 2


def midi_file(path: Path, pitch: int, hold: float, bend_at: float | None = None) -> Path:
    """A one-note MIDI file: note-on at 0, (a full-up pitch wheel at ``bend_at``), note-off."""
    import mido

    tpb, tempo = 480, 500_000  # 120 bpm: 960 ticks a second
    mid = mido.MidiFile(ticks_per_beat=tpb)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=tempo, time=0))
    track.append(mido.Message("note_on", note=pitch, velocity=100, time=0))
    t = 0
    if bend_at is not None:
        tick = round(bend_at * 960)
        track.append(mido.Message("pitchwheel", pitch=8191, time=tick))
        t = tick
    track.append(mido.Message("note_off", note=pitch, velocity=0, time=round(hold * 960) - t))
    mid.save(str(path))
    return path


def osc_score(path: Path, pitch: int, hold: float) -> Path:
    path.write_text(json.dumps([[0.0, "/waefader/note_on", pitch, 100, hold]]))
    return path


def render_score(engine: Engine, score: Path, tail: float) -> np.ndarray:
    from realtime.cli.render import score_actions

    actions = score_actions(engine, score, None)
    blocks = [b[:, 0].copy() for b in freewheel(engine, actions, tail_s=tail, channels=1)]
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)


def make_engine(
    renderer: NoteRenderer, sr: int, style: str, release: float, hold: bool = True
) -> Engine:
    engine = Engine(renderer, EngineConfig(sample_rate=sr, channels=1, seed=0, hold=hold))
    weights = [1.0 if s == style else 0.0 for s in renderer.style_names]
    engine.set("style", weights)
    engine.set("release", release)
    return engine


def bench(args: argparse.Namespace) -> dict[str, Any]:
    renderer = load_renderer(args.model)
    sr = int(args.samplerate)
    holds = [float(h) for h in args.holds.split(",") if h]
    paths = [p for p in args.paths.split(",") if p]
    if any(p not in ("midi", "osc") for p in paths) or not holds or min(holds) <= 2.0:
        raise CliError("--paths takes midi,osc and --holds seconds above 2")
    table, source = sustain_table(renderer)
    styles = list(renderer.style_names)
    if args.styles:
        styles = [s.strip() for s in args.styles.split(",")]
        unknown = [s for s in styles if s not in renderer.style_names]
        if unknown:
            raise CliError(f"unknown styles {unknown} (model: {list(renderer.style_names)})")
    note_s = renderer.note_samples / renderer.sample_rate
    say = (lambda m: None) if args.quiet or args.json else (lambda m: print(m, file=sys.stderr))
    out: dict[str, Any] = {"samplerate": sr, "release_s": args.release, "note_s": note_s}
    out.update({"sustain_source": source, "sustaining": {}, "decaying": {}, "bend": {}})
    loop_ms: list[float] = []
    render_ms: list[float] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="waefader-hold-") as tmp:
        d = Path(tmp)
        for style in styles:
            pitch = style_pitch(renderer, style)
            engine = make_engine(renderer, sr, style, args.release)
            if not table.get(style, False):
                y = render_score(engine, midi_file(d / "d.mid", pitch, holds[0]), args.release)
                end = natural_end(y, sr)
                out["decaying"][style] = {
                    "pitch": pitch,
                    "held_s": holds[0],
                    "ends_s": round(end, 2),
                    "ok": end <= note_s + 0.05,
                }
                say(f"{style}: decays, ends after {end:.2f} s of an {holds[0]:g} s hold")
                continue
            once = make_engine(renderer, sr, style, args.release, hold=False)
            natural = render_score(once, osc_score(d / "n.json", pitch, note_s), args.release)
            jump = note_jump(natural, sr)
            runs = []
            for hold in holds:
                for path in paths:
                    score = (
                        midi_file(d / "h.mid", pitch, hold)
                        if path == "midi"
                        else osc_score(d / "h.json", pitch, hold)
                    )
                    y = render_score(engine, score, args.release + 1.0)
                    r = {"path": path, **check_hold(y, sr, hold, args.release, jump)}
                    runs.append(r)
                    say(
                        f"{style} {path} {hold:g} s: dev {r['max_deviation_db']} dB, jumps "
                        f"x{r['jump_ratio']}, -40 dB after {r['release_40db_s']} s"
                    )
            y = render_score(engine, midi_file(d / "b.mid", pitch, BEND_HOLD, BEND_AT), 1.0)
            cents = bend_cents(y, sr, (1.0, BEND_AT - 0.1), (BEND_AT + 0.2, BEND_HOLD - 0.2))
            step = bend_step_ratio(y, sr, BEND_AT, 2.0)
            out["bend"][style] = {
                "cents": None if cents is None else round(cents, 1),
                "ok": cents is not None and abs(cents - 200.0) <= 10.0,
                "step_ratio": round(step, 3),
                "click_ok": step <= 1.0,
            }
            out["sustaining"][style] = {"pitch": pitch, "runs": runs}
            loop_ms.extend(engine.worker.loop_ms.values().tolist())
            render_ms.extend(engine.meter.render_ms.values().tolist())
    if not args.no_callback:
        say("callback cost with held and bent voices ...")
        out["callback"] = callback_cost(
            renderer, sr, [s for s in styles if table.get(s)], args.voices
        )
    out["loop_ms_p50"] = round(float(np.median(loop_ms)), 2) if loop_ms else None
    out["render_ms_p50"] = round(float(np.median(render_ms)), 2) if render_ms else None
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    out["summary"] = summary(out)
    if args.figure is not None:
        figure(out, args.figure)
    return out


def callback_cost(
    renderer: NoteRenderer, sr: int, styles: list[str], voices: int = 32
) -> dict[str, Any]:
    """Median time of the audio callback per 256-frame block over one second with ``voices``
    notes sounding: played once (the first second of the notes), held (looping, after 1.2 s)
    and held and bent (interpolated reads)."""
    blocks = round(sr / 256)
    block = np.zeros((256, 1), np.float32)
    result: dict[str, Any] = {"voices": voices, "block_ms": round(256 / sr * 1e3, 3)}
    for case in ("plain", "held", "bent"):
        cfg = EngineConfig(sample_rate=sr, channels=1, seed=0, max_voices=voices)
        engine = Engine(renderer, cfg.with_(hold=case != "plain"))
        style = styles[0] if styles else renderer.style_names[0]
        engine.set("style", [1.0 if s == style else 0.0 for s in renderer.style_names])
        low, high = dict(getattr(renderer, "style_ranges", {}) or {}).get(style, (48, 84))
        for i in range(voices):
            engine.note_on(low + i % max(1, high - low + 1), 100)
        if case == "bent":
            engine.bend(0.5)
        engine.worker.drain(0)
        warm = 0 if case == "plain" else round(1.2 * sr / 256)  # held: into the loops
        for _ in range(warm):
            engine.process(block)
        times = []
        for _ in range(blocks):
            t0 = time.perf_counter()
            engine.process(block)
            times.append(time.perf_counter() - t0)
        result[f"{case}_ms_p50"] = round(float(np.median(times)) * 1e3, 4)
        result[f"{case}_voices"] = engine.mixer.pool.count()
    result["load_bent"] = round(result["bent_ms_p50"] / result["block_ms"], 4)
    return result


def summary(out: dict[str, Any]) -> dict[str, Any]:
    runs = [r for s in out["sustaining"].values() for r in s["runs"]]
    bends = list(out["bend"].values())
    return {
        "sustaining_styles": len(out["sustaining"]),
        "decaying_styles": len(out["decaying"]),
        "holds": len(runs),
        "level_ok": sum(r["level_ok"] for r in runs),
        "click_ok": sum(r["click_ok"] for r in runs),
        "seam_ok": sum(r["seam_ok"] for r in runs),
        "release_ok": sum(r["release_ok"] for r in runs),
        "worst_deviation_db": max((r["max_deviation_db"] for r in runs), default=None),
        "worst_loop_deviation_db": max((r["loop_deviation_db"] for r in runs), default=None),
        "worst_jump_ratio": max((r["jump_ratio"] for r in runs), default=None),
        "worst_seam_ratio": max((r["seam_ratio"] or 0.0 for r in runs), default=None),
        "worst_release_s": max((r["release_40db_s"] for r in runs), default=None),
        "worst_release_jump_ratio": max((r["release_jump_ratio"] for r in runs), default=None),
        "decaying_ok": sum(d["ok"] for d in out["decaying"].values()),
        "bend_ok": sum(b["ok"] for b in bends),
        "bend_click_ok": sum(b["click_ok"] for b in bends),
        "bends": len(bends),
    }


def figure(out: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax3, ax2) = plt.subplots(1, 3, figsize=(15, 4.2), width_ratios=[3, 1.4, 1])
    longest = max((r["seconds"] for s in out["sustaining"].values() for r in s["runs"]), default=0)
    for style, s in out["sustaining"].items():
        run_ = next(r for r in s["runs"] if r["seconds"] == longest and r["path"] == "midi")
        lv = np.asarray(run_["levels_db"]) - run_["sustain_db"]
        ax.plot((np.arange(lv.size) + 0.5) * 0.25, lv, lw=0.8, label=style)
    ax.axhspan(-3, 3, color="0.9", zorder=0, label="±3 dB")
    ax.set(xlabel="time held (s)", ylabel="level re sustain (dB, 250 ms RMS)", ylim=(-20, 8))
    ax.set_title(f"{len(out['sustaining'])} sustaining styles held {longest:g} s (MIDI file)")
    ax.legend(fontsize=6, ncol=3, loc="lower right")
    shortest = min((r["seconds"] for s in out["sustaining"].values() for r in s["runs"]), default=0)
    for s in out["sustaining"].values():
        run_ = next(r for r in s["runs"] if r["seconds"] == shortest and r["path"] == "midi")
        lv = np.asarray(run_["release_db"]) - run_["sustain_db"]
        ax3.plot(np.arange(lv.size) * 0.01 - 0.5, lv, lw=0.8)
    ax3.axvline(0.0, color="k", lw=0.8, ls="--")
    ax3.axhline(-40.0, color="0.5", lw=0.8, ls=":")
    ax3.set(xlabel="time from note-off (s)", ylabel="level re sustain (dB, 10 ms RMS)")
    ax3.set(ylim=(-80, 8), title=f"release after a {shortest:g} s hold")
    for style, d in out["decaying"].items():
        ax2.bar(style, d["ends_s"])
    ax2.axhline(out["note_s"], color="k", lw=0.8, ls="--", label="rendered note length")
    ax2.set(ylabel="sound ends after (s)", title="decaying styles, held 8 s")
    ax2.tick_params(axis="x", labelrotation=60, labelsize=7)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str], prog: str = "waefader bench hold") -> int:
    args = parser(prog).parse_args(argv)

    def body() -> int:
        result = bench(args)
        if args.json:
            for s in result["sustaining"].values():  # the envelopes are for the figure
                for r in s["runs"]:
                    r.pop("levels_db", None)
                    r.pop("release_db", None)
            print(json.dumps(result))
        else:
            print(json.dumps(result["summary"], indent=2))
        return 0

    return run(prog, body)
