"""'waefader recover': a model folder -> WAE and MCNN run folders holding its weights.

    waefader recover --model MODEL_DIR --out RUNS_DIR

A shipped model folder holds ONNX graphs, not checkpoints. This reads the weights back
(:mod:`export.recover`, checked against the folder's own graph) into 'RUNS_DIR/wae' and
'RUNS_DIR/mcnn', so that the usual commands can start from it, e.g.
'waefader train --init-from RUNS_DIR/wae --freeze-encoder ...' or
'waefader finetune --run RUN --mcnn RUNS_DIR/mcnn'.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from export.recover import RecoverError, write_runs
from realtime.manifest import ModelError
from realtime.model import DEFAULT_MODEL_DIR


def main(argv: list[str], prog: str = "waefader recover") -> int:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, help="model folder (default: the shipped model)")
    p.add_argument("--out", type=Path, required=True, help="folder for the two run folders")
    args = p.parse_args(argv)
    model = args.model or DEFAULT_MODEL_DIR
    try:
        runs = write_runs(model, args.out)
    except (RecoverError, ModelError, OSError, KeyError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    for kind, path in runs.items():
        print(f"{kind} run: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
