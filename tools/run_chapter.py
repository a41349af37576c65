"""Execute chapters as notebooks, outside the book build, and keep the executed .ipynb.

Usage: .venv/bin/python tools/run_chapter.py chapters/what-it-is.md [more chapters ...]
Writes _build/notebooks/<chapter>.ipynb; exits 1 if any cell wrote an error or to stderr.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from bookbuild.notebooks import executed_notebook, output_problems

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "_build" / "notebooks"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in argv:
        path = Path(name).resolve()
        notebook = executed_notebook(path)
        target = OUT / f"{path.stem}.ipynb"
        nbformat.write(notebook, target)
        problems = output_problems(notebook)
        failed += bool(problems)
        print(f"{name}: {'FAILED' if problems else 'ran cleanly'}; executed notebook: {target}")
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
