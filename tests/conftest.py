"""Shared fixtures: the built book, freshly executed chapters, a local server and a browser."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))  # pageweight: the page measurements `make bench` reports too
from pageweight import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

HTML = ROOT / "_build" / "html"


def toc_files() -> list[Path]:
    """Every source page of the book, in table-of-contents order."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", []) or []:
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    return [ROOT / f"{n}.md" for n in names]


def is_notebook(path: Path) -> bool:
    return bool(re.search(r"^```\{code-cell\}", path.read_text(encoding="utf-8"), re.MULTILINE))


CHAPTER_NOTEBOOKS = [p for p in toc_files() if is_notebook(p)]
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


#: Run before a chapter's own cells: every connection to anything but this machine is refused
#: and recorded (the kernel's own channels to the test process are already open on loopback).
NETWORK_GUARD = """
import socket as _socket
_network_attempts = []
_connect = _socket.socket.connect

def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family in (_socket.AF_INET, _socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        _network_attempts.append(str(address))
        raise OSError("network access refused during the tests: " + str(address))
    return _connect(self, address)

_socket.socket.connect = _guarded_connect
"""


def execute_chapter(path: Path, timeout: int = 300) -> ExecutedChapter:
    """Execute a MyST notebook in a fresh kernel and collect glue values, errors and stderr."""
    from evidence.notebooks import executed_notebook

    probe_code = ("import json as _json, evidence.data as _d\n"
                  "print('TABLES-LOADED:' + _json.dumps(_d.tables_loaded()))\n"
                  "print('NETWORK:' + _json.dumps(_network_attempts))")
    nb = executed_notebook(path, extra_code=(probe_code,), timeout=timeout, prelude=(NETWORK_GUARD,))
    probe = nb.cells[-1]
    result = ExecutedChapter(path=path, notebook=nb)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                result.errors.append((index, output.get("ename"), output.get("evalue")))
            elif kind == "stream" and output.get("name") == "stderr":
                result.stderr.append((index, output.get("text")))
            elif kind == "stream" and cell is probe and "TABLES-LOADED:" in output.get("text", ""):
                import json

                lines = dict(line.split(":", 1) for line in output["text"].splitlines() if ":" in line)
                result.tables_loaded = json.loads(lines["TABLES-LOADED"])
                result.network = json.loads(lines["NETWORK"])
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:  # glue(display=False) hides its data behind a mime prefix; strip it
                prefix = meta.get("mime_prefix", "")
                result.glued[meta["name"]] = {k[len(prefix):] if prefix and k.startswith(prefix) else k: v
                                              for k, v in output.get("data", {}).items()}
    return result


@pytest.fixture(scope="session")
def executed_chapters() -> dict[str, ExecutedChapter]:
    """Every chapter executed fresh, each in its own kernel, two at a time (two cores).

    Only tests/test_notebooks.py uses it: pytest-xdist runs a file's tests on one worker
    (--dist loadfile), so each chapter runs once while the other worker runs the other files."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip((p.stem for p in CHAPTER_NOTEBOOKS), pool.map(execute_chapter, CHAPTER_NOTEBOOKS)))


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The built HTML book; built here if `make book` has not been run."""
    if not (HTML / "index.html").is_file():
        subprocess.run([sys.executable, str(ROOT / "tools" / "build.py")], check=True, cwd=ROOT)
    return HTML


def html_pages(html_root: Path) -> list[Path]:
    return sorted(p for p in html_root.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


@pytest.fixture(scope="session")
def book_server(built_book):
    """Serve the built book on a loopback port, as a static host would (gzip for text)."""
    from pageweight import serve

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


def pytest_report_header(config):
    return [f"book: {ROOT}", f"chapter notebooks: {', '.join(p.stem for p in CHAPTER_NOTEBOOKS)}",
            f"browser: {CHROMIUM if Path(CHROMIUM).is_file() else 'none'}",
            f"CI: {os.environ.get('CI', 'false')}"]


#: Test files, longest first. With `--dist loadfile --no-loadscope-reorder` pytest-xdist hands
#: out whole files in this order, so the two long ones start at once on the two workers instead
#: of one of them running alone at the end.
LONGEST_FIRST = ("test_rebuilds.py", "test_pdf.py", "test_accessibility.py", "test_data_validation.py",
                 "test_browser.py", "test_notebooks.py", "test_mobile_budget.py", "test_page_styles.py",
                 "test_published.py", "test_phone.py")


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file is kept
