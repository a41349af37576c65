"""Each chapter notebook, executed fresh in a kernel, produces no error and no stderr, and glues
every key its prose uses with a sane value."""
from __future__ import annotations

import re

import pytest

from bs4 import BeautifulSoup

from conftest import CHAPTER_NOTEBOOKS, ROOT, glue_references, text_glue_references
from evidence.sphinxext import chapter_inputs
from evidence.data import project_paths


CHAPTERS = [p.stem for p in CHAPTER_NOTEBOOKS]
INSANE = re.compile(r"^\s*$|^(nan|NaN|None|<NA>|NaT|inf|-inf)$|np\.|numpy|Timestamp\(|\.\.\.$")


def test_there_are_chapter_notebooks():
    assert CHAPTERS, "the table of contents names no notebook chapter"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_error_output(executed_chapters, chapter):
    errors = executed_chapters[chapter].errors
    assert not errors, f"{chapter}: error output(s) (cell index, name, value): {errors}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_stderr_output(executed_chapters, chapter):
    stderr = executed_chapters[chapter].stderr
    assert not stderr, f"{chapter}: stderr output(s) (cell index, text): {stderr}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_glue_key_in_the_prose_exists_with_a_sane_value(executed_chapters, chapter):
    executed = executed_chapters[chapter]
    used = glue_references(executed.path.read_text(encoding="utf-8"))
    assert used, f"{chapter}: the prose glues nothing"
    missing = [k for k in used if k not in executed.glued]
    assert not missing, f"{chapter}: prose uses glue keys the notebook never glued: {missing}"
    for key in used:
        data = executed.glued[key]
        if "text/html" in data:  # a chart
            assert "vega" in data["text/html"], f"{chapter}: {key} is HTML but not a chart"
            continue
        text = data.get("text/plain", "").strip("'\"")
        assert not INSANE.search(text), f"{chapter}: glue key {key} has the insane value {text!r}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_build_tracks_exactly_the_tables_a_chapter_loads(executed_chapters, chapter):
    """The build re-executes a chapter when a table it reads changes: the tables it is told
    about must be the tables the chapter really loaded."""
    executed = executed_chapters[chapter]
    declared = {p.stem for p in chapter_inputs(executed.path.read_text(encoding="utf-8"), project_paths().data)
                if p.suffix == ".csv"}
    assert executed.tables_loaded, f"{chapter}: loaded no table"
    assert set(executed.tables_loaded) == declared


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_stray_plain_text_output(executed_chapters, chapter):
    """A reader sees prose, tables and charts: a cell that shows a bare Python value (a string's
    repr, a number, a DataFrame's text) has leaked an intermediate result onto the page."""
    stray = []
    for index, cell in enumerate(executed_chapters[chapter].notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") in ("execute_result", "display_data"):
                kinds = set(output.get("data", {})) - {"text/plain"}
                if not kinds:
                    stray.append((index, output["data"].get("text/plain", "")[:60]))
    assert not stray, f"{chapter}: cells showing a bare value (cell index, text): {stray}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_glued_text_on_the_page_equals_the_notebook_values(built_book, executed_chapters, chapter):
    executed = executed_chapters[chapter]
    keys = text_glue_references(executed.path.read_text(encoding="utf-8"))
    page = built_book / executed.path.relative_to(ROOT).with_suffix(".html")
    spans = [s.get_text() for s in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("span.pasted-text")]
    assert len(spans) == len(keys), f"{chapter}: {len(keys)} glued references in the prose, {len(spans)} on the page"
    for key, shown in zip(keys, spans):
        expected = executed.glued[key]["text/plain"].strip("'\"")
        assert shown == expected, f"{chapter}: {key} shows {shown!r} but a fresh run glues {expected!r}"
