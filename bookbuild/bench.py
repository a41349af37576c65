"""`make bench`: time a clean build, a no-change rebuild, a one-data-file rebuild, the quick
tests and the whole test suite, say which chapters the data edit re-executed, and print the
page-weight table and the mobile-profile table (first paint and every chart drawn per page,
against the budgets; the command fails when a page is over). The report is also written to
docs/benchmarks.md.

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


#: Where the last run's report is written, for docs/ (generated, never edited by hand).
REPORT_FILE = ROOT / "docs" / "benchmarks.md"
REPORT: list[str] = []


def say(text: str = "") -> None:
    """Print a line of the report and keep it for :data:`REPORT_FILE`."""
    print(text, flush=True)
    REPORT.append(text)


def timed(label: str, command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    say(f"| {label} | {seconds:.1f} s |")
    return seconds


def write_report(status: str) -> None:
    """docs/benchmarks.md: the report, with when, where and at which commit it was measured."""
    import platform
    from datetime import datetime, timezone

    from bookbuild.build import usable_cores

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    cores = usable_cores()
    head = ["# Benchmarks", "",
            "Written by `make bench` (`bookbuild/bench.py`); do not edit by hand. Wall-clock times on a",
            "shared machine drift by a fifth or more within a day: compare runs made side by side.", "",
            f"- measured: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}"
            f"{' with uncommitted changes' if dirty else ''}",
            f"- machine: {cores} CPU cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}",
            f"- result: {status}", ""]
    REPORT_FILE.write_text("\n".join(head + REPORT) + "\n", encoding="utf-8")
    print(f"written: {REPORT_FILE.relative_to(ROOT)}")


def executed_since(moment: float) -> list[str]:
    """Chapters whose executed notebook entered the execution cache after ``moment``."""
    from jupyter_cache import get_cache

    records = get_cache(str(CACHE)).list_cache_records()
    return sorted(Path(r.uri).stem for r in records if r.created.timestamp() >= moment)


def main() -> int:
    from bookbuild.sphinxext import chapter_inputs
    from evidence.data import project_paths

    build = [PY, "-m", "bookbuild.build"]
    say("| measurement | wall-clock time |")
    say("| --- | --- |")
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
    from bookbuild.pages import page_sources

    readers = sorted(p.stem for p in page_sources(ROOT)
                     if table in chapter_inputs(p.read_text(encoding="utf-8"), project_paths().data))
    say(f"| re-executed by the data edit: {', '.join(rerun) or 'none'} (chapters that read identity.csv: "
        f"{', '.join(readers)}) | |")
    timed("rebuild after restoring the file", build)
    timed("quick tests (make check: pytest -m 'not slow')", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                                               "-m", "not slow"])
    timed("whole test suite (make test: pytest)", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    from bookbuild.pageweight import (CHARTS_DRAWN_BUDGET_MOBILE_MS, FIRST_PAINT_BUDGET_MS, best_mobile_load, measure_book,
                            measure_book_mobile, mobile_table, over_mobile_budget, table as weight_table)

    say()
    say("Page weight, first load of each page from a server that compresses as static hosts do:")
    say()
    say("```")
    say(weight_table(measure_book()))
    say("```")
    say()
    runs = [measure_book_mobile() for _ in range(MOBILE_RUNS)]
    rows = [best_mobile_load([run[i] for run in runs]) for i in range(len(runs[0]))]
    say(f"Lighthouse's mobile profile (150 ms round trip, 1.6 Mbit/s, CPU 4x slower), best of {MOBILE_RUNS} cold loads:")
    say()
    say("```")
    say(mobile_table(rows))
    say("```")
    say()
    over = [r["page"] for r in rows if over_mobile_budget(r)]
    say(f"Over the budget (first paint {FIRST_PAINT_BUDGET_MS / 1000:g} s, every chart "
        f"{CHARTS_DRAWN_BUDGET_MOBILE_MS / 1000:g} s): {', '.join(over) or 'none'}")
    write_report(f"pages over the phone budget: {', '.join(over)}" if over else "every page within the phone budget")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
