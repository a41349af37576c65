"""Whole builds of a clean copy of the project.

1. Reproducible builds: a clean build (no execution cache, no Sphinx environment: every chapter
   executed, every page written) produces HTML byte-for-byte identical to the book under test,
   `make book`'s output. From a fresh clone, as in CI, that book is itself a clean build, so this
   compares two clean builds of one commit. No file and no field is excluded. The copy's build runs
   every chapter in a fresh kernel of its own, where `make book` reuses two kernels: the same
   bytes also show that a reused kernel changes nothing a chapter writes.
2. The same copy, one data value edited, is built again: exactly the chapters that read that
   table are executed again, the new value reaches the page (the execution cache keys on code, not
   on data), and markup put into the cell is shown as text, never run. Undoing the edit and
   building again gives back, byte for byte, the clean build's HTML.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bookbuild import reproducible
from conftest import CHAPTER_NOTEBOOKS, ROOT, first_row_value, set_cell
from bookbuild.sphinxext import chapter_inputs

HOSTILE = '<script>alert("hostile-alert")</script> <img src=x onerror=alert(1)> {cite}`elia2018` **bold**'


@pytest.fixture(scope="module")
def clean_copy(clean_build) -> Path:
    """A copy of the project without _build/, built from scratch, every chapter in a fresh kernel
    of its own (conftest.clean_build; tests/test_notebooks.py checks those executions)."""
    return clean_build / "book"


def cached_executions(copy: Path) -> dict[int, str]:
    """The copy's execution cache: record id -> the chapter it holds, relative to the copy."""
    from jupyter_cache import get_cache

    cache = get_cache(str(copy / "_build" / ".jupyter_cache"))
    return {r.pk: str(Path(r.uri).relative_to(copy)) for r in cache.list_cache_records()}


def test_a_clean_build_writes_the_same_html_byte_for_byte(built_book, clean_copy):
    published = built_book
    rebuilt = clean_copy / "_build" / "html"
    files = [p for p in published.rglob("*") if p.is_file()]
    assert len(files) > 100 and (rebuilt / "index.html").is_file()
    differ = reproducible.differing(published, rebuilt)
    assert not differ, (f"{len(differ)} of {len(files)} files differ from a clean build of the same sources "
                        f"(if the sources changed since `make book`, build again): {differ[:20]}")


def test_a_data_edit_re_executes_only_its_readers_reaches_the_page_and_undoes_cleanly(built_book, clean_copy):
    table = clean_copy / "data" / "identity.csv"
    readers = {str(p.relative_to(ROOT)) for p in CHAPTER_NOTEBOOKS
               if table in chapter_inputs(p.read_text(encoding="utf-8"), clean_copy / "data")}
    assert readers and len(readers) < len(CHAPTER_NOTEBOOKS), f"identity.csv read by {readers}"

    page = clean_copy / "_build" / "html" / "chapters" / "what-it-is.html"
    row, old = first_row_value("identity", "value", where=("property", "melting_point"))
    new = str(int(old) + 11)
    before_text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert f"{old} °C" in before_text and f"{new} °C" not in before_text
    before = cached_executions(clean_copy)
    original = table.read_bytes()
    set_cell(table, row, "value", new)
    set_cell(table, row, "note", HOSTILE)

    result = reproducible.run_build(clean_copy)
    assert result.returncode == 0, result.stderr

    executed = {chapter for pk, chapter in cached_executions(clean_copy).items() if pk not in before}
    assert executed == readers, \
        f"the edit of identity.csv executed {sorted(executed)}; the chapters reading it are {sorted(readers)}"
    after = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    text = after.get_text(" ")
    assert f"{new} °C" in text, "the page still shows the old value after the data changed"
    assert f"{old} °C" not in text
    shown = " ".join(text.split()).translate(str.maketrans("“”‘’", "\"\"''"))  # Sphinx's smart quotes
    assert HOSTILE in shown, "the hostile note is not shown as text"
    assert not after.select("script:-soup-contains('hostile-alert')"), "a CSV cell became a script"
    assert not after.select("img[onerror]"), "a CSV cell became an image with an onerror handler"

    # Undone, the edit leaves no trace: the rebuilt book equals the clean build again.
    table.write_bytes(original)
    result = reproducible.run_build(clean_copy)
    assert result.returncode == 0, result.stderr
    differ = reproducible.differing(built_book, clean_copy / "_build" / "html")
    assert not differ, f"after the edit was undone, these files differ from the clean build: {differ[:20]}"
