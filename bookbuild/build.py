"""Build the book: validate the data, execute the chapters, render the HTML (warnings are errors).

`make book` runs this. On any failure the HTML output is removed, so a broken table or a
failing chapter never leaves a fresh-looking page behind; the execution cache and Sphinx's
environment are kept, so the next build is still incremental.

When no input of the book changed since the last successful build (the pages, the data, the
bibliography, the package, the static files, the configuration, the pinned requirements),
the build says so and stops at once: that is the no-change rebuild. The commit the pages are
dated from (each page says when it last changed, from the repository history) counts as an
input: after a commit, the pages whose date it changes are written again.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
INPUTS_STAMP = BUILD / ".inputs-hash"
STATIC_STAMP = BUILD / ".static-hash"
BIBLIOGRAPHY_STAMP = BUILD / ".bibliography-hash"
#: Sphinx's saved environment: removed to make Sphinx read every page afresh.
ENVIRONMENT = BUILD / ".doctrees" / "environment.pickle"


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system has one (Linux), else
    every core (macOS and Windows have no ``os.sched_getaffinity``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


#: Chapters are executed this many at a time: one per core this process may use.
JOBS = usable_cores()

#: What is not an input of the HTML book (folders at any depth, and file suffixes).
NOT_INPUTS = {".git", ".venv", "_build", ".pytest_cache", "__pycache__", ".ipynb_checkpoints", "tests", ".ci"}
NOT_INPUT_SUFFIXES = {".pyc", ".ipynb"}


def fingerprint(files) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def book_inputs() -> list[Path]:
    """Every file whose content can change the built HTML."""
    found = []
    for directory, subdirs, files in os.walk(ROOT):
        subdirs[:] = [d for d in subdirs if d not in NOT_INPUTS]
        found += [Path(directory) / f for f in files if Path(f).suffix not in NOT_INPUT_SUFFIXES]
    return found


#: Inputs every page depends on without Sphinx noticing: a change to any of them rewrites every page.
#: The build package holds the book's Sphinx extension and the inline styles (bookbuild/sphinxext.py,
#: bookbuild/pagecss.py): a page no chapter change touches is written by them too.
WHOLE_BOOK_INPUTS = ("_static", "_templates", "_config.yml", "_toc.yml", "bookbuild")


def static_fingerprint() -> str:
    """Sphinx copies _static/ only when a page changed, and does not always notice a changed
    template or configuration; a changed hash of these forces a full write."""
    files = []
    for name in WHOLE_BOOK_INPUTS:
        path = ROOT / name
        files += [f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts] if path.is_dir() \
            else [path] if path.is_file() else []
    return fingerprint(files)


def fail(message: str) -> int:
    shutil.rmtree(HTML, ignore_errors=True)
    INPUTS_STAMP.unlink(missing_ok=True)
    print(f"\nBUILD FAILED: {message}\nThe HTML output was removed; nothing stale is left to open.",
          file=sys.stderr)
    return 1


def main() -> int:
    started = time.perf_counter()
    from bookbuild.sphinxext import HistoryError, history_head

    try:
        history = history_head()
    except HistoryError as error:
        return fail(str(error))
    inputs = fingerprint(book_inputs()) + history
    if (HTML / "index.html").is_file() and INPUTS_STAMP.is_file() and INPUTS_STAMP.read_text() == inputs:
        print(f"Nothing changed since the last build ({time.perf_counter() - started:.1f} s). "
              f"Open the book: {HTML / 'index.html'}")
        return 0

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    os.environ.update(PYTHONPATH=env["PYTHONPATH"])  # the chapter kernels import the package
    from bookbuild.preexecute import Kernels, preexecute
    from bookbuild.sphinxext import CHAPTERS_EXECUTED_ENV

    kernels = Kernels(JOBS)  # started now: they warm up while the data are checked and Sphinx starts
    from evidence.data import DataError, validate_data

    try:
        validate_data()  # a pass is remembered, so the chapters' kernels do not validate again
    except DataError as error:
        kernels.close()
        print(error, file=sys.stderr)
        return fail("the data did not validate (see above)")

    # Jupyter Book's own command. Sphinx reads the pages one after another: with the chapters
    # executed beforehand, reading them in two processes was measured no faster.
    jb = shutil.which("jb", path=str(Path(sys.executable).parent)) or shutil.which("jb")
    if jb is None:
        kernels.close()
        return fail("Jupyter Book's `jb` command is not installed next to this Python (run `make book`)")
    command = [jb, "build", str(ROOT), "--builder", "html", "-n", "-W", "--keep-going", "--quiet"]
    static = static_fingerprint()
    if not STATIC_STAMP.is_file() or STATIC_STAMP.read_text() != static or not (HTML / "index.html").is_file():
        command.append("--all")
    # An edited bibliography, read into the saved environment incrementally and in parallel, gave a
    # bibliography page listing every entry twice (sphinxcontrib-bibtex 2.7.0); reading every page
    # afresh gives the clean build's page. The chapters' execution cache is kept.
    bibliography = fingerprint([ROOT / "references.bib"])
    if not BIBLIOGRAPHY_STAMP.is_file() or BIBLIOGRAPHY_STAMP.read_text() != bibliography:
        ENVIRONMENT.unlink(missing_ok=True)
    # Sphinx starts up while the chapters execute, and waits for them before it reads a page.
    executed_mark = BUILD / ".chapters-executed"
    executed_mark.unlink(missing_ok=True)
    from jupyter_cache import get_cache

    (BUILD / ".jupyter_cache").mkdir(parents=True, exist_ok=True)
    get_cache(str(BUILD / ".jupyter_cache")).db  # noqa: B018 (created once, before two processes use it)
    sphinx = subprocess.Popen(command, cwd=ROOT, env=dict(env, **{CHAPTERS_EXECUTED_ENV: str(executed_mark)}))
    try:
        executed = preexecute(BUILD / ".jupyter_cache", jobs=JOBS, kernels=kernels)
    finally:
        executed_mark.write_text("done\n")
    failed = [chapter for chapter, result in executed.items() if isinstance(result, str)]
    if executed:
        print(f"Executed {len(executed) - len(failed)} chapter(s) in {time.perf_counter() - started:.1f} s"
              + (f"; {len(failed)} failed and will be executed again by Sphinx, which reports the error:"
                 if failed else ""), flush=True)
    for chapter in failed:
        # the error's own last line names what went wrong (the first only says that a cell failed)
        lines = [line for line in str(executed[chapter]).splitlines() if line.strip()]
        print(f"  {chapter}: {lines[-1] if lines else 'failed'}", flush=True)
    returncode = sphinx.wait()
    if returncode != 0:
        return fail(f"jb build exited with status {returncode} (see the messages above)")
    STATIC_STAMP.write_text(static)
    BIBLIOGRAPHY_STAMP.write_text(bibliography)
    INPUTS_STAMP.write_text(inputs)
    print(f"Built in {time.perf_counter() - started:.1f} s. Open the book: {HTML / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
