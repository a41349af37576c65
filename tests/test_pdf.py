"""The print edition (`make pdf`, bookbuild/pdf.py): the whole book as one tagged PDF.

The session prints the whole book once, from a copy of the built HTML (so the book under test is
left as built), in the browser the other browser tests use: about 20 s on two cores. The
reproducibility and off-site checks print the front page alone (a few seconds each).
"""
from __future__ import annotations

import io
import re
import shutil

import pytest
from bs4 import BeautifulSoup

from bookbuild import pdf
from bookbuild.pages import page_sources
from conftest import ROOT


@pytest.fixture(scope="module")
def printed(built_book, browser, tmp_path_factory):
    copy = tmp_path_factory.mktemp("print") / "html"
    shutil.copytree(built_book, copy)
    target = pdf.build_pdf(copy, browser=browser)
    from pypdf import PdfReader

    return copy, target, PdfReader(target)


@pytest.fixture(scope="module")
def page_texts(printed) -> list[str]:
    """The text of every printed page, extracted by PDFium (pypdfium2: pypdf's text extraction
    takes some 20 s over the whole book)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(printed[1])
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_is_named_with_the_version_and_opens(printed, page_texts):
    from evidence.data import load_table
    from evidence.versions import current_version

    copy, target, reader = printed
    assert target.name == pdf.pdf_name(str(current_version(load_table("versions"))["version"]))
    assert len(reader.pages) > len(page_sources())
    assert len(page_texts) == len(reader.pages)
    assert page_texts[0].count("Not medical advice") == 1


def test_one_top_level_bookmark_per_page_of_the_book_in_toc_order(printed):
    copy, target, reader = printed
    titles = []
    for source in page_sources():
        page = copy / source.relative_to(ROOT).with_suffix(".html")
        heading = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("article h1")
        for mark in heading.select(".headerlink"):
            mark.decompose()
        titles.append(" ".join(heading.get_text().split()))
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top == titles
    assert any(isinstance(item, list) and item for item in reader.outline), "no headings nested under the pages"


def test_bookmark_titles_read_as_the_headings(printed):
    """Chromium's outline can drop the space at a line break or repeat a heading's text
    ("At a glanceAt a glance"): every bookmark reads as a heading of the book."""
    copy, target, reader = printed
    headings = set()
    for source in page_sources():
        page = BeautifulSoup((copy / source.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8"),
                             "html.parser")
        for heading in page.select("article h1, article h2, article h3, article h4, article h5, article h6"):
            for mark in heading.select(".headerlink"):
                mark.decompose()
            headings.add(" ".join(heading.get_text().split()))

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    strays = [title for title in titles(reader.outline) if title not in headings]
    assert not strays, f"bookmarks that are no heading of the book: {strays[:5]}"


def test_the_front_pages_glued_numbers_are_in_the_pdf(printed, page_texts):
    copy, target, reader = printed
    front = BeautifulSoup((copy / pdf.FRONT_PAGE).read_text(encoding="utf-8"), "html.parser")
    glued = [" ".join(span.get_text().split()) for span in front.select("article span.pasted-text")]
    assert len(glued) >= 5, "the front page glues fewer numbers than expected"
    text = squeezed("".join(page_texts[:12]))
    missing = [g for g in glued if squeezed(g) not in text]
    assert not missing, f"glued on the front page but not in the PDF: {missing}"


def test_the_pdf_is_tagged_with_a_structure_tree_covering_every_page(printed):
    copy, target, reader = printed
    catalog = reader.root_object
    assert catalog["/MarkInfo"]["/Marked"] is True or catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712
    tree = catalog["/StructTreeRoot"].get_object()
    document = tree["/K"].get_object()
    assert document["/S"] == "/Document"
    articles = [e for e in pdf._structure_elements(document) if e.get("/S") == "/Art"]
    assert len(articles) == 1, "the print page is not one article"
    parts = articles[0]["/K"]
    assert len(parts) == len(page_sources()) + 1, "the article is not a cover and one part per page of the book"
    keys = set(int(k) for k in tree["/ParentTree"].get_object()["/Nums"][::2])
    pages_keys = [page.get("/StructParents") for page in reader.pages]
    assert None not in pages_keys and set(pages_keys) <= keys and len(set(pages_keys)) == len(pages_keys)
    assert catalog["/Lang"] == "en"
    in_tree = {page.indirect_reference.idnum for page in reader.pages}
    marked_on = set()

    def walk(element):
        element = element.get_object()
        if "/Pg" in element:
            marked_on.add(element.raw_get("/Pg").idnum)
        kids = element.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if kid is not None and hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(document)
    assert marked_on <= in_tree, "structure elements point at pages outside the document"
    assert len(marked_on) >= len(reader.pages) - 1, "pages with no tagged content"


def test_no_code_toggle_is_printed(printed, page_texts, built_book):
    copy, target, reader = printed
    assert "Show code cell source" in (built_book / "intro.html").read_text(encoding="utf-8")
    text = " ".join(" ".join(page.split()) for page in page_texts)
    assert "Not medical advice" in text, "no text was extracted"
    assert "Show code cell source" not in text and "Hide code cell source" not in text


def test_the_front_page_links_to_both_pdfs_in_its_edition_line(printed):
    copy, target, reader = printed
    front = BeautifulSoup((copy / pdf.FRONT_PAGE).read_text(encoding="utf-8"), "html.parser")
    line = front.select_one("div.edition p.print-edition")
    assert line is not None, "the PDFs are not linked from the front page's edition line"
    links = {a.get_text(): (copy / a["href"]).resolve() for a in line.select("a[href]")}
    assert links["the whole book"] == target.resolve()
    assert links["the summary"].is_file() and links["the summary"].name.startswith(pdf.SUMMARY_PREFIX)
    assert f"{len(reader.pages)} A4 pages" in line.get_text()


def test_the_summary_is_one_sheet_with_the_plain_answer_version_and_address(printed):
    """The summary to print or send: at most two A4 sides, with the plain answer, the key facts,
    the outcome cards, the version and where the book lives."""
    import pypdfium2

    from evidence.data import load_table
    from bookbuild.sphinxext import NO_ADDRESS
    from evidence.versions import current_version

    copy, target, reader = printed
    version = str(current_version(load_table("versions"))["version"])
    summary = copy / pdf.summary_pdf_name(version)
    document = pypdfium2.PdfDocument(summary)
    try:
        text = squeezed(" ".join(page.get_textpage().get_text_range() for page in document))
        sides = len(document)
    finally:
        document.close()
    assert sides <= 2, f"the summary prints on {sides} A4 pages"
    for words in ("Does it work for ADHD?", "Key facts", f"version {version} of the book", NO_ADDRESS,
                  "Not medical advice"):
        assert squeezed(words) in text, f"the summary PDF lacks {words!r}"
    cards = len(load_table("certainty"))
    assert text.count(squeezed("How sure:")) == cards


def test_metadata_dates_are_the_commits(printed, page_texts):
    copy, target, reader = printed
    info = pdf.edition()
    stamp = info["committed"].strftime("D:%Y%m%d%H%M%S")
    assert reader.metadata["/CreationDate"].startswith(stamp) and reader.metadata["/ModDate"].startswith(stamp)
    assert info["commit"] in squeezed(page_texts[0])


def test_two_prints_give_the_same_bytes(built_book, browser, tmp_path):
    copy = tmp_path / "html"
    shutil.copytree(built_book, copy)
    first = pdf.build_pdf(copy, pages=["intro.html"], browser=browser).read_bytes()
    second = pdf.build_pdf(copy, pages=["intro.html"], browser=browser).read_bytes()
    assert first == second


def test_printing_a_page_that_reaches_off_site_fails(built_book, browser, tmp_path):
    copy = tmp_path / "html"
    shutil.copytree(built_book, copy)
    front = copy / pdf.FRONT_PAGE
    front.write_text(front.read_text(encoding="utf-8").replace(
        "</article>", '<img src="https://example.org/tracker.png" alt=""></article>', 1), encoding="utf-8")
    with pytest.raises(pdf.PrintError, match="example.org"):
        pdf.build_pdf(copy, pages=["intro.html"], browser=browser)


def test_the_running_heads_are_artifacts_and_no_text_is_left_untagged(printed, page_texts):
    """The running title and page numbers are drawn in the page margins (CSS page-margin boxes)
    and marked as artifacts, so screen readers skip them; no other text is outside the tags."""
    copy, target, reader = printed
    assert "Page 2 of" in page_texts[1] and pdf.BOOK_TITLE in page_texts[1].replace("\r\n", " ")
    assert "Page 1 of" not in page_texts[0], "the cover carries a running head"
    for number, page in enumerate(reader.pages[1:], start=2):
        data = page.get_contents().get_data()
        assert b"/Artifact <</Type /Pagination>> BDC" in data, f"page {number}: no running head marked as an artifact"
        assert pdf.mark_untagged_text_as_artifact(data) == data, f"page {number}: text that is neither tagged nor an artifact"


def test_links_between_pages_stay_in_the_pdf_and_others_point_at_the_books_files(printed):
    copy, target, reader = printed
    inside, files = 0, []
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if "/Dest" in annotation or (action is not None and action.get_object().get("/S") == "/GoTo"):
                inside += 1
            elif action is not None and "/URI" in action.get_object():
                uri = str(action.get_object()["/URI"])
                assert not uri.startswith(("http://127.0.0.1", "http://localhost")), f"a link to the print server: {uri}"
                if not re.match(r"^[a-z]+:", uri):
                    files.append(uri)
    assert inside > 100, "links between the book's pages do not stay in the PDF"
    missing = [uri for uri in files if not (copy / uri.split("#")[0]).is_file()]
    assert files and not missing, f"links to files that are not beside the PDF: {missing[:5]}"
