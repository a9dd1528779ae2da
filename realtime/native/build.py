"""Compile the native JACK ring output: ``python -m realtime.native.build [--force]``.

Needs a C compiler and the JACK headers (Debian: gcc, libjack-jackd2-dev; scripts/setup.sh
installs them). The library lands beside its source as ``libwfring.so`` (ignored by git);
it is rebuilt when the source is newer.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "jack_ring.c"
LIBRARY = HERE / "libwfring.so"


class BuildError(RuntimeError):
    pass


def build(force: bool = False) -> Path:
    """The compiled library's path, compiling it when missing or older than its source."""
    if not force and LIBRARY.exists() and LIBRARY.stat().st_mtime >= SOURCE.stat().st_mtime:
        return LIBRARY
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise BuildError("no C compiler (cc/gcc): install gcc to build the JACK ring output")
    if not Path("/usr/include/jack/jack.h").exists():
        raise BuildError("no JACK headers: install libjack-jackd2-dev (or libjack-dev)")
    tmp = LIBRARY.with_suffix(".so.tmp")  # never leave a half-written library behind
    cmd = [
        cc,
        "-O2",
        "-Wall",
        "-shared",
        "-fPIC",
        "-o",
        str(tmp),
        str(SOURCE),
        "-ljack",
        "-lpthread",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"compiling {SOURCE.name} failed:\n{done.stderr.strip()}")
    tmp.replace(LIBRARY)
    return LIBRARY


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m realtime.native.build", description=__doc__)
    ap.add_argument(
        "--force", action="store_true", help="rebuild even when up to date (default: off)"
    )
    args = ap.parse_args(argv)
    try:
        print(f"built {build(args.force)}")
    except BuildError as exc:
        print(f"realtime.native.build: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
