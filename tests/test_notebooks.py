"""Each chapter notebook, executed fresh in a kernel of its own, produces no error and no stderr,
glues every key its prose uses with a sane value, loads exactly the tables the build tracks and
reaches no network.

The executions are those of the clean build of a copy of the project (conftest.clean_build), which
runs every chapter in a fresh kernel with a network guard before it and a probe after it; that
build's HTML is compared byte for byte with the book's in tests/test_rebuilds.py."""
from __future__ import annotations

import re

import pytest

from bs4 import BeautifulSoup

from conftest import CHAPTER_NOTEBOOKS, ROOT, glue_references, text_glue_references
from bookbuild.sphinxext import chapter_inputs
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
    source = executed.path.read_text(encoding="utf-8")
    used = glue_references(source)
    if not used:  # a page whose every number comes from generated text (the plain layer) types none
        prose = re.sub(r"```\{code-cell\}.*?```", "", source.split("---", 2)[2], flags=re.DOTALL)
        assert not re.search(r"\d", prose), f"{chapter}: the prose glues nothing, yet types a number"
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


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_fresh_run_writes_the_same_charts_as_the_build(built_book, executed_chapters, chapter):
    """Reproducible output: each chart a fresh kernel renders (its element id, specification and
    data) is byte for byte the chart the build published. With the glued-text check above, two
    executions of the book agree on everything the notebooks produce."""
    executed = executed_chapters[chapter]
    page = (built_book / executed.path.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8")
    charts = {key: data["text/html"] for key, data in executed.glued.items() if "text/html" in data}
    for key, html in charts.items():
        div = re.search(r'<div id="(altair-viz-[0-9a-f]+)" class="evidence-chart"(?: data-layout="(?:wide|phone)")? '
                        r'role="(?:img|group)" aria-label="[^"]+"><svg aria-hidden="true"', html)
        assert div, f"{chapter}: chart {key} has no element id, description or static drawing"
        assert div.group(1) in page, f"{chapter}: chart {key} ({div.group(1)}) differs from the published one"
        spec = re.search(r'<script type="application/json" class="evidence-chart-spec" data-chart="'
                         + div.group(1) + r'">(\{.*\})</script>', html, re.DOTALL)
        assert spec, f"{chapter}: chart {key}: no specification found in its HTML"
        assert html.strip() in page, (f"{chapter}: chart {key}'s drawing or specification differs from the "
                                      "published one")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_network_request(executed_chapters, chapter):
    attempts = executed_chapters[chapter].network
    assert not attempts, f"{chapter}: the notebook tried to reach the network: {attempts}"


# --- broken chapters are caught, with the chapter named -----------------------------------------

BROKEN = {
    "raises": ("raise ValueError('a broken table')", "errors", "ValueError"),
    "writes to stderr": ("import sys\nprint('warning: stale numbers', file=sys.stderr)", "stderr", "stale numbers"),
    "times out": ("import time\ntime.sleep(30)", "errors", "CellTimeoutError"),
    "reaches the network": ("import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
                            "except OSError:\n    pass", "network", "192.0.2.1"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_chapter_fails_the_checks_with_its_name(tmp_path, case):
    """A chapter that raises, writes to stderr, runs too long or reaches the network makes the
    execution checks above fail, and their message names the chapter."""
    from conftest import execute_chapter

    code, found_in, evidence = BROKEN[case]
    chapter = tmp_path / "broken-chapter.md"
    chapter.write_text("---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
                       "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
                       f"# Broken\n\n```{{code-cell}} ipython3\n{code}\n```\n", encoding="utf-8")
    executed = execute_chapter(chapter, timeout=5)
    found = getattr(executed, found_in)
    assert found and evidence in str(found), f"{case}: not caught; errors {executed.errors}, stderr {executed.stderr}"
    checks = {"errors": test_no_error_output, "stderr": test_no_stderr_output, "network": test_no_network_request}
    with pytest.raises(AssertionError, match="broken-chapter"):
        checks[found_in]({"broken-chapter": executed}, "broken-chapter")
