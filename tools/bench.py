"""`make bench`: time a clean build, a no-change rebuild, a one-data-file rebuild and the test suite.

Prints one line per measurement (wall-clock seconds on this machine). The clean build removes
_build/ (the HTML, Sphinx's environment and the execution cache) first; the data-file case
changes one CSV value, rebuilds, then restores the file and rebuilds again.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def timed(label: str, command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    print(f"{label:<40} {seconds:6.1f} s", flush=True)
    return seconds


def main() -> int:
    build = [PY, "tools/build.py"]
    print(f"{'measurement':<40} {'time':>8}")
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    timed("clean build (no cache)", build)
    timed("no-change rebuild", build)
    table = ROOT / "data" / "identity.csv"
    original = table.read_bytes()
    try:
        table.write_bytes(original.replace(b"hydrate form I,57,", b"hydrate form I,58,", 1))
        assert table.read_bytes() != original, "the bench's data edit found nothing to change"
        timed("one data file changed (identity.csv)", build)
    finally:
        table.write_bytes(original)
    timed("rebuild after restoring the file", build)
    timed("test suite (pytest)", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
