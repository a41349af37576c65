"""What every page says about itself: when it last changed (from the repository history), and,
for a notebook page, its executed notebook to download.

The dates are computed here afresh with git, from the files a page depends on; the notebooks are
read with nbformat. A copy of the project built elsewhere (tests/test_rebuilds.py) must write the
same pages byte for byte, so the copy finds the same dates (bookbuild/reproducible.py names this
checkout's history to it).
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bookbuild import reproducible
from bookbuild.pages import page_sources
from conftest import CHAPTER_NOTEBOOKS, ROOT, glue_references
from evidence.data import project_paths
from bookbuild.sphinxext import chapter_inputs

HISTORY = Path(os.environ.get("BOOK_HISTORY") or ROOT)


def page_for(source: Path, html_root: Path) -> Path:
    return html_root / source.relative_to(ROOT).with_suffix(".html")


def provenance(source: Path, html_root: Path):
    page = BeautifulSoup(page_for(source, html_root).read_text(encoding="utf-8"), "html.parser")
    blocks = page.select("article .page-provenance")
    assert len(blocks) == 1, f"{source.name}: {len(blocks)} 'last changed' blocks in the article"
    return blocks[0]


def dated_files(source: Path) -> list[str]:
    """The page, and what it reads: the data (tables and descriptor) of a notebook, the
    bibliography file of the bibliography page. The package's code is deliberately not counted."""
    text = source.read_text(encoding="utf-8")
    files = [source]
    if source in CHAPTER_NOTEBOOKS:
        files += [p for p in chapter_inputs(text, project_paths().data) if p.parent != ROOT / "evidence"]
    if "{bibliography}" in text:
        files.append(ROOT / "references.bib")
    return [str(f.relative_to(ROOT)) for f in files]


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(HISTORY), *args], capture_output=True, check=False)


#: A shallow clone's history is cut short: its pages show no date (and say why) instead.
SHALLOW = git("rev-parse", "--is-shallow-repository").stdout.decode().strip() == "true"


def differs_from_last_commit(path: str) -> bool:
    committed = git("show", f"HEAD:{path}")
    return committed.returncode != 0 or committed.stdout != (ROOT / path).read_bytes()


@pytest.mark.parametrize("source", page_sources(), ids=lambda p: p.stem)
def test_every_page_shows_the_date_of_the_newest_commit_to_its_files(built_book, source):
    files = dated_files(source)
    expected = git("log", "-1", "--format=%cs", "--", *files).stdout.decode().strip()
    block = provenance(source, built_book)
    shown = block.select_one(".last-changed")
    assert shown is not None and shown.get_text().strip(), f"{source.name}: no last-changed date"
    if SHALLOW:
        assert shown.get_text() == "not known in this copy", f"{source.name}: a date from a cut-short history"
    elif expected:
        assert shown.name == "time" and shown["datetime"] == expected, \
            f"{source.name}: shows {shown.get('datetime')!r}; git gives {expected!r} for {files}"
        day = dt.date.fromisoformat(expected)
        assert shown.get_text() == f"{day.day} {day:%B} {day.year}"
    else:
        assert shown.get_text() == "not yet committed"
    uncommitted = [f for f in files if differs_from_last_commit(f)]
    said = block.select_one(".uncommitted") is not None
    assert said == bool(uncommitted), \
        f"{source.name}: uncommitted edits in {uncommitted}, but the page {'says' if said else 'does not say'} so"
    if "data it reads" in block.get_text():
        assert source in CHAPTER_NOTEBOOKS


def test_the_dates_differ_where_the_history_does(built_book):
    """Guards against one date for every page (e.g. the last commit of the whole repository)."""
    if SHALLOW:
        pytest.skip("a shallow clone: the pages say their date is not known (checked above)")
    dates = {s.stem: provenance(s, built_book).select_one(".last-changed").get("datetime") for s in page_sources()}
    expected = {s.stem: git("log", "-1", "--format=%cs", "--", *dated_files(s)).stdout.decode().strip() or None
                for s in page_sources()}
    assert dates == expected


@pytest.mark.parametrize("source", page_sources(), ids=lambda p: p.stem)
def test_every_notebook_page_offers_its_executed_notebook(built_book, source):
    import nbformat
    import jupytext

    links = provenance(source, built_book).select("a.notebook-download")
    if source not in CHAPTER_NOTEBOOKS:
        assert not links, f"{source.name} has no code, yet offers a notebook"
        return
    assert len(links) == 1 and "Download this chapter as a notebook (.ipynb)" in links[0].get_text()
    target = (page_for(source, built_book).parent / links[0]["href"]).resolve()
    assert target.is_file() and target.suffix == ".ipynb", f"{source.name}: the link {links[0]['href']} does not resolve"
    assert target.is_relative_to(built_book.resolve())

    notebook = nbformat.read(target, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    source_cells = [c for c in jupytext.read(source).cells if c.cell_type == "code"]
    assert [c.source for c in code] == [c.source for c in source_cells], \
        f"{target.name}: its code cells are not the chapter's (a build-time cell left in, or one missing)"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        f"{target.name}: not one run of the chapter, in order"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"], f"{target.name} holds an error output"
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], f"{target.name} writes to stderr"
    assert any(o.output_type in ("display_data", "execute_result") for o in outputs), f"{target.name} has no outputs"
    glued = {o.metadata["scrapbook"]["name"] for o in outputs if "scrapbook" in o.get("metadata", {})}
    missing = set(glue_references(source.read_text(encoding="utf-8"))) - glued
    assert not missing, f"{target.name}: the page's glued values {sorted(missing)} are not among its outputs"
    text = target.read_text(encoding="utf-8")
    assert str(ROOT) not in text and "/tmp/" not in text, f"{target.name} holds a path of the build machine"


def test_a_build_without_repository_history_stops_and_says_why(tmp_path):
    """A copy with no .git and no BOOK_HISTORY must not print a date it cannot know."""
    copy = reproducible.copy_project(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "BOOK_HISTORY"}
    env["PYTHONPATH"] = str(copy)
    env["GIT_CEILING_DIRECTORIES"] = str(tmp_path)  # never find a repository above the copy
    result = subprocess.run([sys.executable, "-m", "bookbuild.build"], cwd=copy, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "BUILD FAILED" in result.stderr and "BOOK_HISTORY" in result.stderr, result.stderr
    assert not (copy / "_build" / "html").exists()


def test_an_edit_not_yet_committed_is_said_so(tmp_path):
    """The copy, dated from this checkout's history: unchanged, then with one page edited."""
    copy = reproducible.copy_project(tmp_path)
    probe = ("import sys; from pathlib import Path; from bookbuild.sphinxext import page_files, page_history; "
             "print(page_history(page_files(Path(sys.argv[1]))))")
    page = copy / "chapters" / "report-an-error.md"
    env = dict(os.environ, PYTHONPATH=str(copy), BOOK_HISTORY=str(HISTORY))

    def history() -> str:
        return subprocess.run([sys.executable, "-c", probe, str(page)], cwd=copy, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()

    date = git("log", "-1", "--format=%cs", "--", "chapters/report-an-error.md").stdout.decode().strip()
    clean = differs_from_last_commit("chapters/report-an-error.md")
    assert history() == repr((date, clean))
    page.write_text(page.read_text(encoding="utf-8") + "\nAn edit.\n", encoding="utf-8")
    assert history() == repr((date, True))


def test_the_downloadable_notebooks_carry_no_random_ids(built_book):
    """Cell ids are derived from the cell, so a rebuild writes the same notebook byte for byte."""
    import hashlib

    import nbformat

    for source in CHAPTER_NOTEBOOKS:
        target = page_for(source, built_book).with_suffix(".ipynb")
        cells = nbformat.read(target, as_version=4).cells
        ids = [hashlib.sha256(f"{i}\0{c.cell_type}\0{c.source}".encode()).hexdigest()[:12] for i, c in enumerate(cells)]
        assert [c.id for c in cells] == ids, f"{target.name}: cell ids are not derived from the cells"
