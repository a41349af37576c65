"""`make bench`: time a clean build, a no-change rebuild, a one-data-file rebuild and the test
suite, say which chapters the data edit re-executed, and print the page-weight table and the
mobile-profile table (first paint and every chart drawn per page, against the budgets; the
command fails when a page is over).

Prints one line per measurement (wall-clock seconds on this machine). The clean build removes
_build/ (the HTML, Sphinx's environment and the execution cache) first; the data-file case
changes one value of data/identity.csv, rebuilds, then restores the file and rebuilds again.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Cold loads per page under the mobile profile; the best is reported (this machine is shared and noisy).
MOBILE_RUNS = 3
PY = sys.executable
CACHE = ROOT / "_build" / ".jupyter_cache"


def timed(label: str, command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    print(f"{label:<48} {seconds:6.1f} s", flush=True)
    return seconds


def executed_since(moment: float) -> list[str]:
    """Chapters whose executed notebook entered the execution cache after ``moment``."""
    from jupyter_cache import get_cache

    records = get_cache(str(CACHE)).list_cache_records()
    return sorted(Path(r.uri).stem for r in records if r.created.timestamp() >= moment)


def main() -> int:
    from bookbuild.sphinxext import chapter_inputs
    from evidence.data import project_paths

    build = [PY, "-m", "bookbuild.build"]
    print(f"{'measurement':<48} {'time':>8}")
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    timed("clean build (no cache)", build)
    timed("no-change rebuild", build)
    table = ROOT / "data" / "identity.csv"
    original = table.read_bytes()
    try:
        table.write_bytes(original.replace(b"hydrate form I,57,", b"hydrate form I,58,", 1))
        assert table.read_bytes() != original, "the bench's data edit found nothing to change"
        before = time.time()
        timed("one data file changed (identity.csv)", build)
        rerun = executed_since(before)
    finally:
        table.write_bytes(original)
    readers = sorted(p.stem for p in [ROOT / "intro.md", *(ROOT / "chapters").glob("*.md")]
                     if table in chapter_inputs(p.read_text(encoding="utf-8"), project_paths().data))
    print(f"  re-executed: {', '.join(rerun) or 'none'}; chapters that read identity.csv: {', '.join(readers)}")
    timed("rebuild after restoring the file", build)
    timed("test suite (pytest, two workers)", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    alone_files = sorted(str(f.relative_to(ROOT)) for f in (ROOT / "tests").glob("test_*.py")
                         if "mark.alone" in f.read_text(encoding="utf-8"))  # as `make test` collects them
    timed("tests timed alone (pytest -m alone, one worker)", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                                               "-m", "alone", "-n", "0", *alone_files])
    from bookbuild.pageweight import (CHARTS_DRAWN_BUDGET_MOBILE_MS, FIRST_PAINT_BUDGET_MS, best_mobile_load, measure_book,
                            measure_book_mobile, mobile_table, over_mobile_budget, table as weight_table)

    print()
    print(weight_table(measure_book()))
    print()
    runs = [measure_book_mobile() for _ in range(MOBILE_RUNS)]
    rows = [best_mobile_load([run[i] for run in runs]) for i in range(len(runs[0]))]
    print(f"Lighthouse's mobile profile (150 ms round trip, 1.6 Mbit/s, CPU 4x slower), best of {MOBILE_RUNS} cold loads:")
    print(mobile_table(rows))
    over = [r["page"] for r in rows if over_mobile_budget(r)]
    print(f"Over the budget (first paint {FIRST_PAINT_BUDGET_MS / 1000:g} s, every chart "
          f"{CHARTS_DRAWN_BUDGET_MOBILE_MS / 1000:g} s): {', '.join(over) or 'none'}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
