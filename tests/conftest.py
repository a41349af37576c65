"""Shared fixtures: the built book, freshly executed chapters, a local server and a browser."""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from bookbuild.pages import notebook_sources
from bookbuild.pageweight import CHROMIUM, CHROMIUM_ARGS

HTML = ROOT / "_build" / "html"


CHAPTER_NOTEBOOKS = notebook_sources(ROOT)
GLUE_REFERENCE = re.compile(r"\{glue(?::(?:text|any|md|figure|math))?\}`([^`<]+?)(?::[^`]*)?`"
                            r"|```\{glue(?::(?:figure|any|md|math))?\}\s+([^\s]+)")


def glue_references(text: str) -> list[str]:
    """Glue keys the prose uses, in order of appearance."""
    return [a or b for a, b in GLUE_REFERENCE.findall(text)]


def text_glue_references(text: str) -> list[str]:
    """Keys pasted inline as text (``{glue:text}`` and ``{glue}``), in order."""
    return re.findall(r"\{glue(?::text)?\}`([^`:]+)(?::[^`]*)?`", text)


DATA = ROOT / "data"


def first_row_value(table: str, column: str, where: tuple[str, str] | None = None) -> tuple[int, str]:
    """(data row number, value) of the first row with a non-empty ``column`` in the real data."""
    import csv

    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        for number, row in enumerate(csv.DictReader(fh), start=1):
            if row[column] and (where is None or row[where[0]] == where[1]):
                return number, row[column]
    raise AssertionError(f"no row of {table}.csv has a value in {column}")


def set_cell(path: Path, row_number: int, column: str, value: str) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[row_number][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@dataclass
class ExecutedChapter:
    path: Path
    notebook: object
    glued: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    stderr: list = field(default_factory=list)
    tables_loaded: list = field(default_factory=list)
    network: list = field(default_factory=list)


def chapter_checks(path: Path, nb, probe: dict) -> ExecutedChapter:
    """What the checks need of an executed chapter: errors, stderr, glued values, and what its
    probe saw (the tables it loaded, the connections refused)."""
    result = ExecutedChapter(path=path, notebook=nb, tables_loaded=probe["tables_loaded"], network=probe["network"])
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                result.errors.append((index, output.get("ename"), output.get("evalue")))
            elif kind == "stream" and output.get("name") == "stderr":
                result.stderr.append((index, output.get("text")))
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:  # glue(display=False) hides its data behind a mime prefix; strip it
                prefix = meta.get("mime_prefix", "")
                result.glued[meta["name"]] = {k[len(prefix):] if prefix and k.startswith(prefix) else k: v
                                              for k, v in output.get("data", {}).items()}
    return result


def execute_chapter(path: Path, timeout: int = 300) -> ExecutedChapter:
    """Execute a MyST notebook in a fresh kernel, watched, and collect what the checks need."""
    from bookbuild.notebooks import NETWORK_GUARD, PROBE, executed_notebook, probe_result

    nb = executed_notebook(path, extra_code=(PROBE,), timeout=timeout, prelude=(NETWORK_GUARD,))
    # A chapter stopped by a timeout never reaches the probe: nothing loaded, nothing refused.
    return chapter_checks(path, nb, probe_result(nb.cells[-1]) or {"tables_loaded": [], "network": []})


def _clean_build_of_a_copy(folder: Path) -> Path:
    """A copy of the project without _build/, built from scratch in ``folder`` with every chapter
    in a fresh kernel of its own, watched (bookbuild/preexecute.py); each chapter as executed there is
    saved to ``folder/executed/`` before any test changes the copy. Returns the copy."""
    import nbformat
    from bookbuild import reproducible
    from jupyter_cache import get_cache

    copy = reproducible.copy_project(folder)
    result = reproducible.run_build(copy, fresh_kernels=folder / "probes")
    if result.returncode != 0:
        raise RuntimeError(f"the clean build of a copy failed:\n{result.stderr}")
    cache = get_cache(str(copy / "_build" / ".jupyter_cache"))
    (folder / "executed").mkdir()
    for record in cache.list_cache_records():
        notebook = cache.get_cache_bundle(record.pk).nb
        (folder / "executed" / f"{Path(record.uri).stem}.ipynb").write_text(nbformat.writes(notebook), encoding="utf-8")
    return copy


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory) -> Path:
    """The folder of the clean build of a copy (the copy in ``book/``, the chapters as executed in
    ``executed/``, what their guard and probe saw in ``probes/``), built once per test run: the
    two pytest-xdist workers share it (a lock; the first to ask builds it), as tests/test_rebuilds.py
    and tests/test_notebooks.py both need it."""
    import fcntl

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    folder = shared / "clean-build"
    with open(shared / "clean-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        failed = shared / "clean-build-failed.txt"
        if failed.is_file():
            pytest.fail(failed.read_text(encoding="utf-8"))
        if not (folder / "executed").is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                _clean_build_of_a_copy(folder)
            except RuntimeError as error:
                failed.write_text(str(error), encoding="utf-8")
                pytest.fail(str(error))
    return folder


@pytest.fixture(scope="session")
def executed_chapters(clean_build) -> dict[str, ExecutedChapter]:
    """Every chapter as the clean build of a copy executed it, each in a fresh kernel of its own."""
    import json

    import nbformat

    executed = {}
    for path in CHAPTER_NOTEBOOKS:
        notebook, probe = clean_build / "executed" / f"{path.stem}.ipynb", clean_build / "probes" / f"{path.stem}.json"
        assert notebook.is_file(), f"{path.stem}: the clean build of a copy has no execution of it"
        assert probe.is_file(), f"{path.stem}: the fresh kernel's probe wrote nothing"
        executed[path.stem] = chapter_checks(path, nbformat.read(notebook, as_version=4),
                                             json.loads(probe.read_text(encoding="utf-8")))
    return executed


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The built HTML book; built here if `make book` has not been run."""
    if not (HTML / "index.html").is_file():
        subprocess.run([sys.executable, "-m", "bookbuild.build"], check=True, cwd=ROOT)
    return HTML


def built_page(page) -> "BeautifulSoup":
    """A page of the built book (a path, or a path inside _build/html), parsed once per version of
    the file in each test process. The parse is shared: never change it; to take elements out,
    change a copy (``copy.copy(element)``)."""
    path = Path(page) if Path(page).is_absolute() else HTML / page
    stat = path.stat()
    return _parsed(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _parsed(path: Path, mtime_ns: int, size: int):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def cell_text(cell) -> str:
    """A table cell's words as a reader of the table sees them: without the label it carries for
    a phone (``.cell-label``, the column's header), single-spaced."""
    import copy

    cell = copy.copy(cell)
    for label in cell.select(".cell-label"):
        label.decompose()
    return " ".join(cell.get_text(" ").split())


def html_pages(html_root: Path) -> list[Path]:
    return sorted(p for p in html_root.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


@pytest.fixture(scope="session")
def book_server(built_book):
    """Serve the built book on a loopback port, as a static host would (gzip for text)."""
    from bookbuild.pageweight import serve

    with serve(built_book) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright; skipped when absent, a failure under CI."""
    if not Path(CHROMIUM).is_file():
        message = "no browser: Debian's chromium package is not installed (/usr/bin/chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; under CI=true the browser tests may not be skipped")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


#: Chromium's major versions the whole suite has passed with (Debian's package is not pinned by
#: requirements.txt). A browser outside them fails one test, naming both; when `make test` passes
#: with the new version, widen the range.
CHROMIUM_CHECKED = (156, 156)


def chromium_version() -> str:
    """What Debian's Chromium says it is ("Chromium 156.0.8078.129 ..."), or "none"."""
    if not Path(CHROMIUM).is_file():
        return "none"
    answer = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60)
    return answer.stdout.strip() or f"unknown ({answer.stderr.strip()[:200]})"


def pytest_report_header(config):
    return [f"book: {ROOT}", f"chapter notebooks: {', '.join(p.stem for p in CHAPTER_NOTEBOOKS)}",
            f"browser: {CHROMIUM if Path(CHROMIUM).is_file() else 'none'}: {chromium_version()} "
            f"(checked with major versions {CHROMIUM_CHECKED[0]} to {CHROMIUM_CHECKED[1]})",
            f"CI: {os.environ.get('CI', 'false')}"]


#: Test files, longest first. With `--dist loadfile --no-loadscope-reorder` pytest-xdist hands
#: out whole files in this order, so the two long ones start at once on the two workers instead
#: of one of them running alone at the end.
LONGEST_FIRST = ("test_rebuilds.py", "test_browser.py", "test_pdf.py", "test_data_validation.py",
                 "test_notebooks.py", "test_page_styles.py",
                 "test_published.py", "test_phone.py")


#: What makes a test too slow for `make check`, the loop run while editing: a browser, a build of
#: a copy of the project, a fresh execution of the chapters, a print of the book, or a subprocess
#: of the whole build. Such tests are marked ``slow``; `make test` (the gate) runs them all.
SLOW_FIXTURES = frozenset({"browser", "book_server", "clean_build", "clean_copy", "executed_chapters",
                           "project_copy"})
SLOW_FILES = frozenset({"test_rebuilds.py", "test_pdf.py", "test_published.py", "test_notebooks.py"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in SLOW_FILES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)

    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file is kept
