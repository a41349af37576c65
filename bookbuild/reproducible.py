"""Build the book twice from clean copies of the working tree and compare the HTML byte for byte.

`make reproducible` runs this. Each copy has no _build/ (no execution cache, no Sphinx
environment), so every chapter is executed and every page written from scratch. Files that
differ are listed; the exit status is 1 if any does. No field is excluded from the comparison.

The tests use the same functions (tests/test_rebuilds.py): there, one clean build in a copy is
compared with the book `make book` built.
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
NOT_COPIED = (".venv", ".git", ".pytest_cache", "__pycache__", ".ipynb_checkpoints")


def copy_project(folder: Path, with_build: bool = False) -> Path:
    """A copy of the project in ``folder``; without its _build/ unless ``with_build``."""
    copy = folder / "book"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_COPIED, *(() if with_build else ("_build",))))
    return copy


def run_build(copy: Path, fresh_kernels: Path | None = None) -> subprocess.CompletedProcess:
    """`make book`'s build step, run in ``copy`` (its own package and data, not this tree's).
    ``fresh_kernels``: run every chapter in a kernel of its own, watched, and write what was seen
    there (see bookbuild/preexecute.py)."""
    from bookbuild.preexecute import FRESH_KERNELS_ENV

    env = dict(os.environ, PYTHONPATH=str(copy))
    env.pop(FRESH_KERNELS_ENV, None)
    if fresh_kernels is not None:
        env[FRESH_KERNELS_ENV] = str(fresh_kernels)
    env["BOOK_HISTORY"] = os.environ.get("BOOK_HISTORY") or str(ROOT)  # the copy has no .git: date pages from ours
    env.pop("EVIDENCE_DATA_DIR", None)
    return subprocess.run([sys.executable, "-m", "bookbuild.build"], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=900)


def clean_build(folder: Path) -> Path:
    """Copy the project into ``folder`` without _build/, build it; the HTML folder."""
    copy = copy_project(folder)
    started = time.perf_counter()
    result = run_build(copy)
    if result.returncode != 0:
        raise RuntimeError(f"the clean build in {copy} failed:\n{result.stderr}")
    print(f"clean build in {folder.name}: {time.perf_counter() - started:.1f} s", flush=True)
    return copy / "_build" / "html"


def differing(a: Path, b: Path) -> list[str]:
    """Files of two HTML folders that are not byte-for-byte equal, or are in one only."""
    from bookbuild.pdf import is_print_edition, same_but_print_link  # `make pdf` adds these after a build

    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file() and not is_print_edition(p)}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file() and not is_print_edition(p)}
    out = [f"only in one build: {p}" for p in sorted(files_a ^ files_b)]
    out += [str(p) for p in sorted(files_a & files_b)
            if not filecmp.cmp(a / p, b / p, shallow=False) and not same_but_print_link(a / p, b / p)]
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
