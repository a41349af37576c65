"""The print edition: the built HTML book printed by headless Chromium into one accessible PDF.

`make pdf` runs this after `make book`. The pages of the table of contents are put together into one
print page, in `_toc.yml` order after a cover (each page's article, under the book's stylesheets
and `_static/print.css`), which Chromium prints once, through Playwright, with
``page.pdf(outline=True, tagged=True)``. The page is served from the built book (it is never
written to disk), so its pictures and stylesheets load as on the web; any request that tries to
leave the book stops the printing with an error. Chromium gives:

- one top-level bookmark per page of the book (its title, the page's first heading), its headings
  nested under it;
- a structure tree for screen readers over the whole book;
- links between the book's pages as links inside the PDF;
- a running title (the book's and the page's) and page numbers in the page margins, from CSS
  page-margin boxes and a named page per page of the book (Chromium 131 or later); none on the cover.

pypdf, through its public objects only, then makes the file reproducible and self-contained: fixed
metadata (title, version, the commit's date as creation date) and a file identifier from the
content, so the same commit gives the same bytes; the structure elements' ids, which Chromium names
after DOM nodes and numbers differently at each print, numbered in reading order; links to files of
the book that are not printed (notebooks, data) relative to the PDF, which sits at the top of the
built book; the running heads marked as artifacts, so screen readers skip them; and bookmark titles
as the headings read (Chromium's outline can drop the space at a line break or repeat a heading's
text).

The one-page summary is printed on its own, from its page, and finished the same way. Both PDFs are
written to ``_build/html/``, and the front page of the built book gets links to them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import posixpath
import re
import sys
import time
from pathlib import Path

from bookbuild.pages import html_pages
from bookbuild.pageweight import CHROMIUM, CHROMIUM_ARGS, serve

ROOT = Path(__file__).resolve().parent.parent

HTML = ROOT / "_build" / "html"
BOOK_TITLE = "Fasoracetam: an executable evidence review"
LICENCE = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
PDF_PREFIX = "fasoracetam-evidence-review-"
#: The one-page summary (the short answer, key facts and outcome cards), printed on its own.
SUMMARY_PREFIX = "fasoracetam-summary-"
SUMMARY_PAGE = "chapters/summary.html"
#: Opens every fold of a page before it is printed: paper has no taps.
OPEN_FOLDS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"
FRONT_PAGE = "intro.html"
LINK_MARK = 'class="print-edition"'
#: The address the print page is served at (from memory, beside the built book's files).
PRINT_PAGE = "print-edition.html"
#: Attributes that hold ids (one or several): renamed with the ids they point at.
ID_LISTS = ("for", "headers", "aria-labelledby", "aria-describedby", "aria-controls", "aria-owns",
            "aria-activedescendant", "aria-details", "aria-errormessage", "aria-flowto", "list", "form")
URL_REFERENCE = re.compile(r"url\(\s*(['\"]?)#([^)'\"]+)\1\s*\)")
NOT_A_FILE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|/)", re.IGNORECASE)
#: The look of the running heads and of the cover.
RUNNING = 'font: 7.5pt system-ui, "DejaVu Sans", sans-serif; color: #444;'


class PrintError(RuntimeError):
    pass


def edition() -> dict:
    """Version and date (data/versions.csv), the commit and its date, for the cover and metadata."""
    from evidence.data import load_table
    from bookbuild.sphinxext import _git, history_repository
    from evidence.versions import current_version

    version = current_version(load_table("versions"))
    repo = history_repository()
    commit = _git(repo, "rev-parse", "HEAD").strip()
    committed = int(_git(repo, "log", "-1", "--format=%ct", "HEAD").strip())
    dirty = bool(_git(ROOT, "status", "--porcelain", "--untracked-files=no").strip())
    return {"version": str(version["version"]), "date": str(version["date"]), "commit": commit,
            "dirty": dirty, "committed": dt.datetime.fromtimestamp(committed, dt.timezone.utc)}


def pdf_name(version: str) -> str:
    return f"{PDF_PREFIX}{version}.pdf"


def summary_pdf_name(version: str) -> str:
    return f"{SUMMARY_PREFIX}{version}.pdf"


def _text(element) -> str:
    """An element's words as they read, without Sphinx's heading link mark."""
    from bs4 import BeautifulSoup

    copy = BeautifulSoup(str(element), "html.parser")
    for mark in copy.select(".headerlink"):
        mark.decompose()
    return " ".join(copy.get_text().split())


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def part_id(number: int) -> str:
    """The id (and the named page) of the ``number``th page of the book in the print page."""
    return f"print-part-{number}"


def print_page(html_root: Path, pages: list[str], info: dict) -> tuple[str, list[str]]:
    """The print page: the cover, then each page's article in order; and the headings it holds.

    Ids stay as they are where they are unique in the book; an id a page shares with an earlier
    page is renamed ``print-part-N--id``, and every link, label and reference to it with it. A link
    to a printed page (or a place in it) points into the print page; a link to any other file of
    the book is written relative to the top of the built book, where the PDF sits."""
    from bs4 import BeautifulSoup

    articles = []
    for page in pages:
        soup = BeautifulSoup((html_root / page).read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article.bd-article")
        if article is None or article.find("h1") is None:
            raise PrintError(f"{page}: no article with a heading to print")
        articles.append((soup, article))
    titles = [_text(article.find("h1")) for _, article in articles]
    used = {part_id(n) for n in range(len(pages) + 1)}
    renamed: list[dict[str, str]] = []
    for number, (_, article) in enumerate(articles, start=1):
        mapping = {}
        for element in article.find_all(id=True):
            mapping[element["id"]] = element["id"] if element["id"] not in used else f"{part_id(number)}--{element['id']}"
            used.add(mapping[element["id"]])
        renamed.append(mapping)
    number_of = {page: number for number, page in enumerate(pages, start=1)}

    def address(number: int, href: str) -> str:
        ids = renamed[number - 1]
        if href.startswith("#"):
            return "#" + ids.get(href[1:], href[1:])
        if NOT_A_FILE.match(href):
            return href
        path, _, fragment = href.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(pages[number - 1]), path)) if path else pages[number - 1]
        if target in number_of:
            into = number_of[target]
            return "#" + (renamed[into - 1].get(fragment, fragment) if fragment else part_id(into))
        return target + ("#" + fragment if fragment else "")

    parts = []
    for number, (_, article) in enumerate(articles, start=1):
        ids = renamed[number - 1]
        for element in article.find_all(True):
            for name, value in list(element.attrs.items()):
                if name == "id":
                    element[name] = ids[value]
                elif name in ("href", "xlink:href"):
                    element[name] = address(number, value)
                elif name == "src" and not NOT_A_FILE.match(value) and not value.startswith("data:"):
                    element[name] = posixpath.normpath(posixpath.join(posixpath.dirname(pages[number - 1]), value))
                elif name in ID_LISTS:
                    element[name] = " ".join(ids.get(token, token) for token in (value if isinstance(value, list) else value.split()))
                elif isinstance(value, str) and "url(#" in value:
                    element[name] = URL_REFERENCE.sub(lambda m: f"url(#{ids.get(m.group(2), m.group(2))})", value)
            if element.name == "details":
                element["open"] = ""
        parts.append(f'<section class="print-part" id="{part_id(number)}" style="page: {part_id(number)}">'
                     + article.decode_contents() + "</section>\n")
    headings = [_text(h) for _, article in articles for h in article.find_all(re.compile(r"^h[1-6]$"))]

    first, folder = articles[0][0], posixpath.dirname(pages[0])
    style = first.select_one("style[data-stylesheets]")
    if style is None:
        raise PrintError(f"{pages[0]}: no inline styles naming the book's stylesheets")
    links = "".join(f'<link rel="stylesheet" href="{html.escape(posixpath.normpath(posixpath.join(folder, sheet)))}">\n'
                    for sheet in style["data-stylesheets"].split())
    root_attributes = " ".join(f'{name}="{html.escape(value if isinstance(value, str) else " ".join(value))}"'
                               for name, value in first.html.attrs.items())
    named_pages = "\n".join(f"@page {part_id(n)} {{ @top-right {{ content: {_css_string(title)}; }} }}"
                             for n, title in enumerate(titles, start=1))
    e = html.escape
    commit = info["commit"] + (" with uncommitted changes" if info["dirty"] else "")
    head = f"""<style>
@media print {{
  @page {{
    @top-left {{ content: {_css_string(BOOK_TITLE)}; {RUNNING} }}
    @top-right {{ {RUNNING} }}
    @bottom-left {{ content: {_css_string(f"Version {info['version']}. Not medical advice.")}; {RUNNING} }}
    @bottom-right {{ content: "Page " counter(page) " of " counter(pages); {RUNNING} }}
  }}
  @page {part_id(0)} {{
    margin: 30mm 22mm;
    @top-left {{ content: none; }} @top-right {{ content: none; }}
    @bottom-left {{ content: none; }} @bottom-right {{ content: none; }}
  }}
{named_pages}
  /* The theme hides a page's first heading in print (it prints its own title); here it is the title. */
  .bd-main .bd-content .bd-article .print-part h1:first-of-type {{ display: block; }}
}}
.print-cover {{ font-family: system-ui, "DejaVu Sans", sans-serif; color: #111; }}
.print-cover p {{ font-size: 12pt; line-height: 1.5; margin: 0 0 3mm; }}
.print-cover .print-cover-title {{ font-size: 26pt; font-weight: bold; line-height: 1.2; margin: 40mm 0 8mm; }}
.print-cover .print-cover-warning {{ margin-top: 25mm; padding: 5mm; border: 1.5pt solid #8a5a00; }}
.print-cover code {{ font-size: 9.5pt; color: #111; }}
</style>"""
    cover = f"""<section class="print-part print-cover" id="{part_id(0)}" style="page: {part_id(0)}">
<p class="print-cover-title">{e(BOOK_TITLE)}</p>
<p>Print edition of version {e(info["version"])}, dated {e(info["date"])}.</p>
<p>Printed from commit <code>{e(commit)}</code>.</p>
<p>Licence: {e(LICENCE)}. Cite the book with the version you used (see CITATION.cff).</p>
<p>On the web the charts show their values on hover and the pharmacokinetic explorer is interactive;
the code behind every number is in the published notebooks.</p>
<p class="print-cover-warning"><strong>Not medical advice.</strong> This book reviews published evidence for information.
It does not recommend fasoracetam, any dose of it, or any use of it; where it reports doses, it reports
what a source says was given or claimed.</p>
</section>
"""
    text = (f'<!DOCTYPE html>\n<html {root_attributes}><head><meta charset="utf-8">'
            f"<title>{e(BOOK_TITLE)} (version {e(info['version'])})</title>\n{links}{head}</head>\n<body>"
            '<div class="bd-container"><div class="bd-container__inner bd-page-width">'
            '<main class="bd-main" id="main-content" role="main"><div class="bd-content"><div class="bd-article-container">'
            '<article class="bd-article">\n' + cover + "".join(parts)
            + "</article></div></div></main></div></div></body></html>\n")
    return text, headings


def _guard(context, base_url: str, external: list[str], pages: dict[str, str] | None = None) -> None:
    """Serve ``pages`` (address -> HTML) from memory; let requests into the book through; abort and
    record any other."""
    def route(request_route):
        url = request_route.request.url
        if pages and url in pages:
            request_route.fulfill(status=200, content_type="text/html; charset=utf-8", body=pages[url])
        elif url.startswith(base_url + "/") or url.startswith(("data:", "blob:", "about:")):
            request_route.continue_()
        else:
            external.append(url)
            request_route.abort()

    context.route("**/*", route)


def print_to_pdf(browser, html_root: Path, page: str, text: str | None = None) -> tuple[bytes, str, list[str]]:
    """Print ``page`` of the built book (or ``text``, served at that address) in print media with
    every fold open: (the PDF, the address the book was served at, requests that tried to leave it)."""
    external: list[str] = []
    with serve(html_root) as base_url:
        context = browser.new_context(service_workers="block", color_scheme="light")
        try:
            _guard(context, base_url, external, {f"{base_url}/{page}": text} if text is not None else None)
            tab = context.new_page()
            # Print media from the start: the charts stay the SVGs drawn at build time (charts.js
            # does not fetch Vega for print), so every print of a commit shows the same drawing.
            tab.emulate_media(media="print")
            tab.goto(f"{base_url}/{page}", wait_until="load")
            tab.evaluate("document.fonts.ready")
            tab.evaluate(OPEN_FOLDS)
            data = tab.pdf(format="A4", prefer_css_page_size=True, print_background=True, outline=True, tagged=True)
        finally:
            context.close()
    return data, base_url, external


#: A content stream's literal and hex strings (skipped) and the operators that open and close text
#: and marked content.
_CONTENT = re.compile(rb"\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>|(?<![^\s\]>)])(BT|ET|BDC|BMC|EMC|BI)(?=[\s\[/(<]|$)",
                      re.DOTALL)


def mark_untagged_text_as_artifact(data: bytes) -> bytes:
    """Wrap every run of text (BT ... ET) that is in no marked content in ``/Artifact ... EMC``:
    in a tagged PDF, text that is neither tagged nor an artifact is read out by some readers; in
    Chromium's output it is the text of the page-margin boxes (the running heads)."""
    inserts: list[tuple[int, bytes]] = []
    depth, wrapped = 0, False
    for match in _CONTENT.finditer(data):
        operator = match.group(1)
        if operator in (b"BDC", b"BMC"):
            depth += 1
        elif operator == b"EMC":
            depth = max(0, depth - 1)
        elif operator == b"BT" and depth == 0:
            inserts.append((match.start(1), b"/Artifact <</Type /Pagination>> BDC\n"))
            wrapped = True
        elif operator == b"ET" and wrapped:
            inserts.append((match.end(1), b"\nEMC"))
            wrapped = False
        elif operator == b"BI":  # an inline image holds raw bytes: leave the page as it is
            return data
    out, last = [], 0
    for position, text in inserts:
        out += [data[last:position], text]
        last = position
    return b"".join(out + [data[last:]])


def _structure_elements(element):
    element = element.get_object()
    yield element
    kids = element.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is not None and hasattr(kid, "get_object"):
            child = kid.get_object()
            if hasattr(child, "get") and "/S" in child and child.get("/Type", "/StructElem") == "/StructElem":
                yield from _structure_elements(child)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def finish(data: bytes, info: dict, base_url: str, title: str, headings: list[str]) -> bytes:
    """Chromium's PDF made reproducible and self-contained (see the module's docstring)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, NameObject, TextStringObject

    reader = PdfReader(io.BytesIO(data))
    catalog = reader.root_object
    # Structure element ids in reading order; the table headers that point at them; the id tree.
    tree = catalog["/StructTreeRoot"].get_object()
    new_ids, named = {}, []
    roots = tree["/K"] if isinstance(tree["/K"], list) else [tree["/K"]]
    elements = [element for root in roots for element in _structure_elements(root)]
    for element in elements:
        if "/ID" in element:
            new_ids[str(element["/ID"])] = name = f"e{len(new_ids):06d}"
            element[NameObject("/ID")] = TextStringObject(name)
            named += [TextStringObject(name), element.indirect_reference]
    for element in elements:
        attributes = element.get("/A")
        for attribute in attributes if isinstance(attributes, list) else [attributes] if attributes else []:
            attribute = attribute.get_object()
            if "/Headers" in attribute:
                attribute[NameObject("/Headers")] = ArrayObject(
                    TextStringObject(new_ids.get(str(h), str(h))) for h in attribute["/Headers"])
    if "/IDTree" in tree:
        tree[NameObject("/IDTree")] = DictionaryObject({NameObject("/Names"): ArrayObject(named)})
    # Links to the book's files that are not printed: relative to the PDF, not to the print server.
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            action = annotation.get_object().get("/A")
            if action is not None and str(action.get_object().get("/URI", "")).startswith(base_url + "/"):
                action.get_object()[NameObject("/URI")] = TextStringObject(str(action.get_object()["/URI"])[len(base_url) + 1:])
        contents = page.get("/Contents")
        for stream in contents if isinstance(contents, list) else [contents] if contents is not None else []:
            stream = stream.get_object()
            stream.set_data(mark_untagged_text_as_artifact(stream.get_data()))
    # Bookmark titles as the headings read.
    canonical = {_squeezed(h): h for h in headings}
    item = catalog["/Outlines"].get_object().get("/First") if "/Outlines" in catalog else None
    stack = [item] if item is not None else []
    while stack:
        entry = stack.pop().get_object()
        squeezed = _squeezed(str(entry.get("/Title", "")))
        half = squeezed[:len(squeezed) // 2]
        fixed = canonical.get(squeezed) or (canonical.get(half) if squeezed == half * 2 else None)
        if fixed is not None:
            entry[NameObject("/Title")] = TextStringObject(fixed)
        stack += [entry[key] for key in ("/Next", "/First") if key in entry]
    # A file identifier from what was printed, so the same commit gives the same bytes (the
    # writer keeps the identifier of the file it is cloned from).
    digest = hashlib.md5(repr((info["commit"], info["dirty"], info["version"], title, headings,
                               len(reader.pages))).encode()).digest()
    reader.trailer[NameObject("/ID")] = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    writer = PdfWriter(clone_from=reader)
    stamp = info["committed"].strftime("D:%Y%m%d%H%M%S+00'00'")
    writer.metadata = None
    writer.add_metadata({
        "/Title": f"{title} (version {info['version']})",
        "/Author": "The fasoracetam evidence review",
        "/Subject": "An evidence review of fasoracetam. Not medical advice.",
        "/Keywords": f"fasoracetam; evidence review; version {info['version']}; commit {info['commit']}",
        "/Creator": "make pdf: the built HTML book printed by Chromium (Playwright), finished by pypdf",
        "/Producer": "pypdf",
        "/CreationDate": stamp,
        "/ModDate": stamp,
    })
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


#: Where the front page's links to the PDFs go: at the end of its edition line.
EDITION_BOX = '<div class="edition docutils container">'


def link_front_page(html_root: Path, book: tuple[str, int, int], summary: tuple[str, int, int], version: str) -> None:
    """Add the links to the PDFs to the built front page's edition line (only now: they exist).
    ``book`` and ``summary`` are (file name, pages, bytes)."""
    front = html_root / FRONT_PAGE
    text = _without_link(front.read_text(encoding="utf-8"))
    e = html.escape
    link = (f'<p {LINK_MARK}>Print editions of version {e(version)}: '
            f'<a href="{e(summary[0])}">the summary</a> ({summary[1]} A4 page{"s" if summary[1] != 1 else ""}, '
            f'{summary[2] / 1e3:.0f} kB) and <a href="{e(book[0])}">the whole book</a> ({book[1]} A4 pages, '
            f'{book[2] / 1e6:.1f} MB), as PDF.</p>\n')
    box = text.find(EDITION_BOX)
    if box < 0:
        raise PrintError(f"{FRONT_PAGE} has no edition line to link the PDFs from")
    end = text.index("</div>", box)
    front.write_text(text[:end] + link + text[end:], encoding="utf-8")


def _without_link(text: str) -> str:
    start = text.find(f"<p {LINK_MARK}>")
    if start < 0:
        return text
    return text[:start] + text[text.index("</p>\n", start) + len("</p>\n"):]


def is_print_edition(path: Path) -> bool:
    return path.suffix == ".pdf" and path.name.startswith((PDF_PREFIX, SUMMARY_PREFIX))


def same_but_print_link(a: Path, b: Path) -> bool:
    """Two built pages equal once the print edition's link (added by `make pdf`) is taken out."""
    if a.name != FRONT_PAGE or b.name != FRONT_PAGE:
        return False
    return _without_link(a.read_text(encoding="utf-8")) == _without_link(b.read_text(encoding="utf-8"))


def build_pdf(html_root: Path = HTML, pages: list[str] | None = None, browser=None) -> Path:
    """Print the book (or ``pages`` of it) from ``html_root`` into ``html_root``; link it from the front page.

    ``browser``: a running Playwright Chromium to use (the tests pass theirs); else one is started."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return build_pdf(html_root, pages, browser)
            finally:
                browser.close()
    if not (html_root / FRONT_PAGE).is_file():
        raise PrintError(f"no built book in {html_root}: run `make book` first")
    info = edition()
    front = html_root / FRONT_PAGE
    front.write_text(_without_link(front.read_text(encoding="utf-8")), encoding="utf-8")  # not printed
    text, headings = print_page(html_root, pages or html_pages(ROOT), info)
    printed, base_url, external = print_to_pdf(browser, html_root, PRINT_PAGE, text)
    if external:
        raise PrintError("printing tried to reach outside the book: " + ", ".join(sorted(set(external))))
    data = finish(printed, info, base_url, BOOK_TITLE, headings)
    printed, base_url, external = print_to_pdf(browser, html_root, SUMMARY_PAGE)
    if external:
        raise PrintError("printing the summary tried to reach outside the book: " + ", ".join(sorted(set(external))))
    summary = finish(printed, info, base_url, "Fasoracetam: a summary to print or send", [])
    name, summary_name = pdf_name(info["version"]), summary_pdf_name(info["version"])
    for old in [*html_root.glob(f"{PDF_PREFIX}*.pdf"), *html_root.glob(f"{SUMMARY_PREFIX}*.pdf")]:
        old.unlink()
    target = html_root / name
    target.write_bytes(data)
    (html_root / summary_name).write_bytes(summary)
    from pypdf import PdfReader

    link_front_page(html_root, (name, len(PdfReader(io.BytesIO(data)).pages), len(data)),
                    (summary_name, len(PdfReader(io.BytesIO(summary)).pages), len(summary)), info["version"])
    return target


def main() -> int:
    started = time.perf_counter()
    try:
        target = build_pdf()
    except PrintError as error:
        print(f"PDF FAILED: {error}", file=sys.stderr)
        return 1
    from pypdf import PdfReader

    pages = len(PdfReader(target).pages)
    print(f"Printed {pages} A4 pages in {time.perf_counter() - started:.1f} s: {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
