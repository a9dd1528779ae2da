"""The ``waefader`` console command: a thin dispatcher.

Each subcommand lives in the package that owns it and is imported only when it runs, so
``waefader play`` never imports torch. A subcommand module exposes ``main(argv) -> int``.
"""

from __future__ import annotations

import importlib
import sys

# name -> (module, one-line help). Nested dicts are command groups (``waefader bench poly``).
Command = tuple[str, str]
COMMANDS: dict[str, Command | dict[str, Command]] = {
    "dataset": ("models.data.cli", "build the default corpus, import a sample library, check GLA"),
    "train": (
        "models.training.cli_train",
        "train a WAE variant (wae-mmd, wae-note, wae-style, wae-fader)",
    ),
    "train-mcnn": (
        "models.training.cli_mcnn",
        "train the MCNN spectrogram inverter on corpus audio",
    ),
    "finetune": (
        "models.training.cli_finetune",
        "fine-tune the MCNN on a trained decoder's outputs",
    ),
    "plot": ("models.training.cli_plot", "plot a run's metrics CSV to PNG"),
    "evaluate": ("models.evaluation.cli", "reproduce the paper's ablation study, write a report"),
    "export": ("export.cli", "export a trained run to ONNX + manifest.json"),
    "recover": ("export.cli_recover", "a model folder's weights back into run folders"),
    "play": ("gui.app", "the standalone synth: fader panel, keyboard, OSC and MIDI"),
    "serve": ("realtime.cli.serve", "headless engine driven by OSC and MIDI"),
    "render": ("realtime.cli.render", "render a MIDI file or OSC score to WAV (freewheel)"),
    "transform": ("realtime.transform.cli", "the encoder as an audio effect: re-render a note"),
    "latency": ("realtime.cli.latency", "measure trigger-to-onset latency with pedalboard"),
    "devices": ("realtime.cli.devices", "list audio and MIDI devices"),
    "bench": {
        "train": ("models.training.bench", "training throughput (examples/s)"),
        "render": ("realtime.cli.bench_render", "note render time, RTF, ratio to Griffin-Lim"),
        "poly": ("realtime.cli.bench_poly", "highest note rate with zero underflows"),
        "transform": ("realtime.cli.bench_transform", "transform time, its effect on rendering"),
        "abuse": ("realtime.cli.bench_abuse", "hostile OSC at a running serve: memory, files"),
        "hold": ("realtime.cli.bench_hold", "held notes (8 s, 30 s) and pitch bend, measured"),
        "quality": ("models.evaluation.quality_bench", "every key: pitch, sound vs the library"),
    },
}

TORCH_HINT = (
    "this command needs the training extra (torch). Install it with:\n"
    "  .venv/bin/pip install -e '.[train]' -c constraints.txt   (or: make install-train)"
)


def _usage(table: dict[str, Command | dict[str, Command]], prefix: str) -> str:
    lines = [f"usage: {prefix} <command> [options]", "", "commands:"]
    for name, entry in table.items():
        text = entry[1] if isinstance(entry, tuple) else "group: " + ", ".join(entry)
        lines.append(f"  {name:<12} {text}")
    lines.append("")
    lines.append(f"'{prefix} <command> --help' for the options of one command.")
    return "\n".join(lines)


def _resolve(argv: list[str]) -> tuple[str, list[str], str] | int:
    """Walk the table: returns (module, remaining argv, command path) or an exit code."""
    table: dict[str, Command | dict[str, Command]] = COMMANDS
    prefix = "waefader"
    while True:
        if not argv or argv[0] in ("-h", "--help"):
            print(_usage(table, prefix))
            return 0 if argv else 2
        name, argv = argv[0], argv[1:]
        entry = table.get(name)
        if entry is None:
            print(f"{prefix}: unknown command {name!r}\n\n{_usage(table, prefix)}", file=sys.stderr)
            return 2
        prefix = f"{prefix} {name}"
        if isinstance(entry, tuple):
            return entry[0], argv, prefix
        table = entry  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    resolved = _resolve(list(sys.argv[1:] if argv is None else argv))
    if isinstance(resolved, int):
        return resolved
    module_name, rest, prog = resolved
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "torch":
            print(f"{prog}: {TORCH_HINT}", file=sys.stderr)
            return 2
        raise
    result: int = module.main(rest, prog=prog)
    return result


if __name__ == "__main__":
    sys.exit(main())
