"""Build the book twice from clean copies of the working tree and compare the HTML byte for byte.

`make reproducible` runs this. Each copy has no _build/ (no execution cache, no Sphinx
environment), so every chapter is executed and every page written from scratch. Files that
differ are listed; the exit status is 1 if any does. No field is excluded from the comparison.
"""
from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".venv", ".git", "_build", ".pytest_cache", "__pycache__", ".ipynb_checkpoints")


def clean_build(folder: Path) -> Path:
    copy = folder / "book"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    env = dict(os.environ, PYTHONPATH=str(copy))
    env.pop("EVIDENCE_DATA_DIR", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, str(copy / "tools" / "build.py")], cwd=copy, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"clean build in {folder.name}: {time.perf_counter() - started:.1f} s", flush=True)
    return copy / "_build" / "html"


def differing(a: Path, b: Path) -> list[str]:
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    out = [f"only in one build: {p}" for p in sorted(files_a ^ files_b)]
    out += [str(p) for p in sorted(files_a & files_b) if not filecmp.cmp(a / p, b / p, shallow=False)]
    return out


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="first-") as one, tempfile.TemporaryDirectory(prefix="second-") as two:
        first, second = clean_build(Path(one)), clean_build(Path(two))
        files = sum(1 for p in first.rglob("*") if p.is_file())
        diff = differing(first, second)
    if diff:
        print(f"{len(diff)} of {files} files differ between two clean builds:")
        print("\n".join(f"  {d}" for d in diff))
        return 1
    print(f"two clean builds wrote identical HTML: {files} files compared byte for byte")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
