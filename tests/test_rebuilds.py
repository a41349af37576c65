"""Whole builds of a clean copy of the project.

Reproducible builds: a clean build (no execution cache, no Sphinx environment: every chapter
executed, every page written) produces HTML byte-for-byte identical to the book under test,
`make book`'s output. From a fresh clone, as in CI, that book is itself a clean build, so this
compares two clean builds of one commit. No file and no field is excluded. The copy's build runs
every chapter in a fresh kernel of its own, where `make book` reuses two kernels: the same bytes
also show that a reused kernel changes nothing a chapter writes.

Then edits of the same copy, each followed by a rebuild (the chain of builds is the longest
part of `make test`, so it runs on the copy the clean build already made):

1. One data value edited: exactly the chapters that read that table are executed again, the new
   value reaches the page (the execution cache keys on code, not on data), and markup put into the
   cell is shown as text, never run. Undoing the edit and building again gives back, byte for
   byte, the clean build's HTML.
2. A source's title edited in references.bib and one more citation in a chapter: the
   bibliography and every citing page follow, and undoing both gives back the clean build.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bookbuild import reproducible
from bookbuild.sphinxext import chapter_inputs
from conftest import CHAPTER_NOTEBOOKS, ROOT, first_row_value, set_cell

HOSTILE = '<script>alert("hostile-alert")</script> <img src=x onerror=alert(1)> {cite}`elia2018` **bold**'
CITATION = re.compile(r"\{cite:[a-z]+\}`([^`]+)`")


@pytest.fixture(scope="module")
def clean_copy(clean_build) -> Path:
    """A copy of the project without _build/, built from scratch, every chapter in a fresh kernel
    of its own (conftest.clean_build; tests/test_notebooks.py checks those executions)."""
    return clean_build / "book"


def cached_executions(copy: Path) -> dict[int, str]:
    """The copy's execution cache: record id -> the path of the chapter it was executed from."""
    from jupyter_cache import get_cache

    cache = get_cache(str(copy / "_build" / ".jupyter_cache"))
    return {r.pk: r.uri for r in cache.list_cache_records()}


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
    _, unit = first_row_value("identity", "unit", where=("property", "melting_point"))
    before_text = " ".join(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())
    assert f"{old} {unit}" in before_text and f"{new} {unit}" not in before_text
    before = cached_executions(clean_copy)
    original = table.read_bytes()
    set_cell(table, row, "value", new)
    set_cell(table, row, "note", HOSTILE)

    result = reproducible.run_build(clean_copy)
    assert result.returncode == 0, result.stderr

    executed = {str(Path(uri).relative_to(clean_copy)) for pk, uri in cached_executions(clean_copy).items()
                if pk not in before}
    assert executed == readers, \
        f"the edit of identity.csv executed {sorted(executed)}; the chapters reading it are {sorted(readers)}"
    after = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    text = " ".join(after.get_text(" ").split())
    assert f"{new} {unit}" in text, "the page still shows the old value after the data changed"
    assert f"{old} {unit}" not in text
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


def test_an_edit_of_a_citing_chapter_and_the_bibliography_rebuilds_as_a_clean_build(built_book, clean_copy):
    """A source's title is changed in references.bib and a chapter cites one more source: after
    the rebuild, the bibliography and every page that cites the source show the new title, and the
    chapter links the new citation. Undoing both edits is itself an edit of a citing chapter and
    of references.bib: that rebuild must equal the clean build byte for byte, bibliography included."""
    chapter, bib = clean_copy / "chapters" / "mechanisms.md", clean_copy / "references.bib"
    chapter_text, bib_text = chapter.read_text(encoding="utf-8"), bib.read_text(encoding="utf-8")
    cited_here = {key.strip() for keys in CITATION.findall(chapter_text) for key in re.split(r"[,;]", keys)}
    keys = re.findall(r"^@\w+\{([^,\s]+),", bib_text, re.MULTILINE)
    cited = next(key for key in keys if key in cited_here)
    added = next(key for key in keys if key not in cited_here)
    entry = re.search(rf"^@\w+\{{{re.escape(cited)},.*?^\}}", bib_text, re.MULTILINE | re.DOTALL)
    title = re.search(r"^(\s*title\s*=\s*\{)", entry.group(0), re.MULTILINE)
    assert title, f"{cited} has no title field to edit"
    mark = "Rebuilt title mark"
    at = entry.start() + title.end()
    html = clean_copy / "_build" / "html"
    links_before = len(BeautifulSoup((html / "chapters" / "mechanisms.html").read_text(encoding="utf-8"),
                                     "html.parser").select('a[href^="bibliography.html#"]'))
    try:
        bib.write_text(bib_text[:at] + mark + " " + bib_text[at:], encoding="utf-8")
        chapter.write_text(chapter_text.rstrip("\n") + f"\n\nOne more source: {{cite:p}}`{added}`.\n", encoding="utf-8")
        result = reproducible.run_build(clean_copy)
        assert result.returncode == 0, result.stderr

        bibliography = BeautifulSoup((html / "chapters" / "bibliography.html").read_text(encoding="utf-8"), "html.parser")
        assert mark in bibliography.get_text(" "), f"the bibliography does not show the new title of {cited}"
        entries = {div["id"] for div in bibliography.select("div.citation[id]")}
        anchor = next(div["id"] for div in bibliography.select("div.citation[id]") if mark in div.get_text(" "))
        stale, citing = [], 0
        for page in html.rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            if f"bibliography.html#{anchor}\"" not in text:
                continue
            soup = BeautifulSoup(text, "html.parser")
            for link in soup.select(f'a[href$="bibliography.html#{anchor}"]'):
                citing += 1
                if mark not in link.get("title", ""):
                    stale.append(str(page.relative_to(html)))
        assert citing, f"no page links the bibliography entry of {cited}"
        assert not stale, f"pages whose citations of {cited} still show the old title: {sorted(set(stale))}"
        mechanisms = BeautifulSoup((html / "chapters" / "mechanisms.html").read_text(encoding="utf-8"), "html.parser")
        links = mechanisms.select('a[href^="bibliography.html#"]')
        assert len(links) == links_before + 1, "the chapter does not link its new citation"
        assert {a["href"].split("#", 1)[1] for a in links} <= entries, "a citation points to no bibliography entry"
        assert any(mark in a.get("title", "") for a in links), f"the chapter's links to {cited} show the old title"
    finally:
        bib.write_text(bib_text, encoding="utf-8")
        chapter.write_text(chapter_text, encoding="utf-8")
    result = reproducible.run_build(clean_copy)
    assert result.returncode == 0, result.stderr
    differ = reproducible.differing(built_book, clean_copy / "_build" / "html")
    assert not differ, f"after the edits were undone, these files differ from the clean build: {differ[:20]}"
