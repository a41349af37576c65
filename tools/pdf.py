"""The print edition: the built HTML book printed by headless Chromium into one accessible PDF.

`make pdf` runs this after `make book`. Each page of the table of contents is opened from a local
server, its charts drawn, and printed with Playwright's ``page.pdf(outline=True, tagged=True)``
(bookmarks from the headings, a structure tree for screen readers) under the print stylesheet
(``_static/print.css``). pypdf then joins a cover and the chapters in ``_toc.yml`` order:

- one top-level bookmark per page of the book, its headings nested under it;
- the chapters' structure trees joined under one Document (pypdf copies pages, not structure);
- a running title and page numbers drawn on every page but the cover, marked as artifacts so
  screen readers skip them (Chromium numbers each chapter from 1, so the book numbers its pages
  itself);
- fixed metadata (title, version, the commit's date as creation date) and a file identifier
  from the content, so the same commit gives the same bytes.

Any request that tries to leave the book while printing stops the printing with an error.
The PDF is written to ``_build/html/`` (so the front page can link to it) and the front page
of the built book gets a link to it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
from pageweight import CHARTS_DRAWN, CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

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
A4_MM = (210, 297)


#: The page's title as its first heading shows it, without the heading's link mark.
PAGE_TITLE = """() => {
  const h = document.querySelector("article h1");
  if (!h) { return null; }
  const copy = h.cloneNode(true);
  copy.querySelectorAll(".headerlink").forEach(e => e.remove());
  return copy.textContent.replace(/\\s+/g, " ").trim();
}"""


class PrintError(RuntimeError):
    pass


def toc_pages() -> list[str]:
    """The book's pages in table-of-contents order, as paths of the built HTML (``intro.html``)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    return [f"{name}.html" for name in names]


def edition() -> dict:
    """Version and date (data/versions.csv), the commit and its date, for the cover and metadata."""
    from evidence.data import load_table
    from evidence.sphinxext import _git, history_repository
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


def cover_html(info: dict) -> str:
    commit = info["commit"] + (" with uncommitted changes" if info["dirty"] else "")
    e = html.escape
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(BOOK_TITLE)}</title>
<style>
@page {{ size: A4; margin: 30mm 22mm; }}
body {{ font-family: system-ui, "DejaVu Sans", sans-serif; color: #111; }}
h1 {{ font-size: 26pt; line-height: 1.2; margin: 40mm 0 8mm; }}
p {{ font-size: 12pt; line-height: 1.5; margin: 0 0 3mm; }}
.warning {{ margin-top: 25mm; padding: 5mm; border: 1.5pt solid #8a5a00; font-size: 12pt; }}
code {{ font-size: 9.5pt; }}
</style></head><body>
<h1>{e(BOOK_TITLE)}</h1>
<p>Print edition of version {e(info["version"])}, dated {e(info["date"])}.</p>
<p>Printed from commit <code>{e(commit)}</code>.</p>
<p>Licence: {e(LICENCE)}. Cite the book with the version you used (see CITATION.cff).</p>
<p>On the web the charts show their values on hover and the pharmacokinetic explorer is interactive;
the code behind every number is in the published notebooks.</p>
<p class="warning"><strong>Not medical advice.</strong> This book reviews published evidence for information.
It does not recommend fasoracetam, any dose of it, or any use of it; where it reports doses, it reports
what a source says was given or claimed.</p>
</body></html>"""


def running_heads_html(heads: list[tuple[str, str]]) -> str:
    """One blank A4 page per page of the book, holding only its running title and page number."""
    e = html.escape
    pages = "".join(
        f'<div class="page"><div class="head"><span>{e(BOOK_TITLE)}</span><span>{e(title)}</span></div>'
        f'<div class="foot"><span>Version {e(version_text)}. Not medical advice.</span>'
        f"<span>Page {number} of {len(heads)}</span></div></div>"
        if title is not None else '<div class="page"></div>'
        for number, (title, version_text) in enumerate(heads, start=1))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 0; }}
body {{ margin: 0; font-family: system-ui, "DejaVu Sans", sans-serif; font-size: 7.5pt; color: #444; }}
.page {{ position: relative; width: {A4_MM[0]}mm; height: {A4_MM[1]}mm; break-after: page; overflow: hidden; }}
.head, .foot {{ position: absolute; left: 15mm; right: 15mm; display: flex; justify-content: space-between; }}
.head {{ top: 8mm; border-bottom: 0.4pt solid #999; padding-bottom: 1mm; }}
.foot {{ bottom: 7mm; }}
</style></head><body>{pages}</body></html>"""


def _guard(context, base_url: str, external: list[str]) -> None:
    def route(request_route):
        url = request_route.request.url
        if url.startswith(base_url + "/") or url.startswith(("data:", "blob:", "about:")):
            request_route.continue_()
        else:
            external.append(url)
            request_route.abort()

    context.route("**/*", route)


def print_pages(browser, pages: list[str], info: dict, html_root: Path = HTML) -> tuple[bytes, list[tuple[str, bytes]], list[str]]:
    """(cover PDF, [(page title, PDF)], requests that tried to leave the book)."""
    external: list[str] = []
    printed = []
    with serve(html_root) as base_url:
        context = browser.new_context(service_workers="block", color_scheme="light")
        try:
            _guard(context, base_url, external)
            tab = context.new_page()
            # Print media from the start: the charts stay the SVGs drawn at build time (charts.js
            # does not fetch Vega for print), so every print of a commit shows the same drawing.
            tab.emulate_media(media="print")
            tab.set_content(cover_html(info), wait_until="load")
            cover = tab.pdf(format="A4", prefer_css_page_size=True, outline=True, tagged=True)
            for page in pages:
                tab.goto(f"{base_url}/{page}", wait_until="load")
                if tab.evaluate(CHARTS_DRAWN) is None:
                    raise PrintError(f"{page}: the charts were not drawn within 10 s")
                tab.evaluate("document.fonts.ready")
                tab.evaluate(OPEN_FOLDS)
                title = tab.evaluate(PAGE_TITLE)
                if not title:
                    raise PrintError(f"{page}: no heading to name its bookmark")
                printed.append((title, tab.pdf(format="A4", prefer_css_page_size=True, print_background=True,
                                               outline=True, tagged=True)))
        finally:
            context.close()
    return cover, printed, external


def print_overlay(browser, heads: list[tuple[str | None, str]]) -> bytes:
    context = browser.new_context()
    external: list[str] = []
    try:
        _guard(context, "http://127.0.0.1:0", external)
        tab = context.new_page()
        tab.set_content(running_heads_html(heads), wait_until="load")
        overlay = tab.pdf(format="A4", prefer_css_page_size=True, tagged=False)
    finally:
        context.close()
    if external:
        raise PrintError(f"the running heads tried to load {external}")
    return overlay


def _set_parents(element) -> None:
    """Point every structure element under ``element`` at its parent (/P)."""
    from pypdf.generic import NameObject

    kids = element.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is None or not hasattr(kid, "get_object"):
            continue
        child = kid.get_object()
        if hasattr(child, "get") and "/S" in child and child.get("/Type", "/StructElem") == "/StructElem":
            child[NameObject("/P")] = element.indirect_reference
            _set_parents(child)


def _parent_tree_entries(node) -> list:
    """The flat [key, value, ...] list of a number tree (its /Nums, or its /Kids' in order)."""
    node = node.get_object()
    if "/Nums" in node:
        return list(node["/Nums"])
    entries = []
    for kid in node.get("/Kids", []):
        entries += _parent_tree_entries(kid)
    return entries


LOCAL_URL = re.compile(r"^http://127\.0\.0\.1:\d+/")


def _relink(writer, starts: dict[str, int]) -> None:
    """Links into the book pointed at the print server's address: a link to a printed page goes to
    its first page in the PDF; any other file of the book (a notebook, a table) is linked relative
    to the PDF, which sits at the top of the built book."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NullObject, TextStringObject

    for page in writer.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if action is None or action.get_object().get("/S") != "/URI":
                continue
            action = action.get_object()
            uri = str(action["/URI"])
            if not LOCAL_URL.match(uri):
                continue
            path = LOCAL_URL.sub("", uri)
            target = starts.get(path.split("#")[0])
            if target is not None:
                annotation[NameObject("/A")] = DictionaryObject({
                    NameObject("/S"): NameObject("/GoTo"),
                    NameObject("/D"): ArrayObject([writer.pages[target].indirect_reference, NameObject("/XYZ"),
                                                   NullObject(), NullObject(), NullObject()])})
            else:
                action[NameObject("/URI")] = TextStringObject(path)


def _renumber_ids(document) -> list:
    """Returns the new [name, element, ...] pairs for the structure tree's /IDTree, in name order."""
    """Chromium names structure elements after DOM nodes (``node00005929``), whose numbers change
    from one print to the next; number them in reading order instead (and the table headers that
    point at them), per part, so the same book gives the same bytes."""
    from pypdf.generic import ArrayObject, TextStringObject, NameObject

    def elements(node):
        node = node.get_object()
        yield node
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if kid is not None and hasattr(kid, "get_object"):
                child = kid.get_object()
                if hasattr(child, "get") and child.get("/Type", "/StructElem") == "/StructElem" and "/S" in child:
                    yield from elements(child)

    named = []
    for part_number, part in enumerate(document["/K"]):
        found = list(elements(part))
        new_ids = {}
        for element in found:
            if "/ID" in element:
                named.append((f"p{part_number}e{len(new_ids)}", element.indirect_reference))
                new_ids[str(element["/ID"])] = f"p{part_number}e{len(new_ids)}"
                element[NameObject("/ID")] = TextStringObject(new_ids[str(element["/ID"])])
        for element in found:
            attributes = element.get("/A")
            for attribute in (attributes if isinstance(attributes, list) else [attributes] if attributes else []):
                attribute = attribute.get_object()
                if "/Headers" in attribute:
                    attribute[NameObject("/Headers")] = ArrayObject(
                        TextStringObject(new_ids.get(str(h), str(h))) for h in attribute["/Headers"])
    return [item for name, ref in sorted(named) for item in (TextStringObject(name), ref)]


def merge(parts: list[tuple[str, bytes]], overlay: bytes | None, info: dict,
          paths: list[str | None] | None = None) -> bytes:
    """Join the printed parts into one tagged PDF with one top-level bookmark per part."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject,
                               BooleanObject, Fit)

    writer = PdfWriter()
    root_element = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"),
                                     NameObject("/S"): NameObject("/Document")})
    root_ref = writer._add_object(root_element)
    tree = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    tree_ref = writer._add_object(tree)
    root_element[NameObject("/P")] = tree_ref
    kids, nums, offset = ArrayObject(), ArrayObject(), 0
    starts: dict[str, int] = {}

    for number, (label, data) in enumerate(parts):
        reader = PdfReader(io.BytesIO(data))
        start = len(writer.pages)
        if paths and paths[number]:
            starts[paths[number]] = start
        writer.append(reader, import_outline=False)
        source_tree = reader.root_object.get("/StructTreeRoot")
        if source_tree is None:
            raise PrintError(f"{label}: Chromium wrote no structure tree")
        # The elements only, not the part's tree root (its /IDTree names would change every print);
        # parents are set again below.
        source_tree = source_tree.get_object()
        top_elements = source_tree.raw_get("/K").clone(writer, ignore_fields=["/P"]).get_object() \
            if hasattr(source_tree.raw_get("/K"), "clone") else source_tree["/K"]
        raw_entries = _parent_tree_entries(source_tree["/ParentTree"])
        entries = []
        for key, value in zip(raw_entries[::2], raw_entries[1::2]):
            entries += [key, value.clone(writer, ignore_fields=["/P"])]
        for element in (top_elements if isinstance(top_elements, list) else [top_elements]):
            element_object = element.get_object()
            _set_parents(element_object)
            element_object[NameObject("/P")] = root_ref
            if element_object.get("/S") == "/Document":
                element_object[NameObject("/S")] = NameObject("/Part")
            kids.append(element)
        for key, value in zip(entries[::2], entries[1::2]):
            nums += [NumberObject(int(key) + offset), value]
        for page, source_page in zip(writer.pages[start:], reader.pages):  # pypdf drops /StructParents
            if "/StructParents" in source_page:
                page[NameObject("/StructParents")] = NumberObject(int(source_page["/StructParents"]) + offset)
            for annotation in page.get("/Annots", []) or []:
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    annotation[NameObject("/StructParent")] = NumberObject(int(annotation["/StructParent"]) + offset)
        offset += (max(int(k) for k in entries[::2]) + 1) if entries else 0

        # One top-level bookmark per part: its first heading (the page title), the rest nested under it.
        outline = reader.outline
        if outline:
            first = outline[0]
            top = writer.add_outline_item(title=label, page_number=start + reader.get_destination_page_number(first),
                                          fit=Fit.xyz(top=first.get("/Top")))
            nested = outline[1] if len(outline) > 1 and isinstance(outline[1], list) else []
            _add_outline(writer, reader, nested, top, start, Fit)
            for stray in outline[1:]:  # a second top-level heading on a page: keep it, under the page
                if not isinstance(stray, list):
                    item = writer.add_outline_item(title=stray.title, page_number=start + reader.get_destination_page_number(stray),
                                                   parent=top, fit=Fit.xyz(top=stray.get("/Top")))
                    following = outline[outline.index(stray) + 1:outline.index(stray) + 2]
                    if following and isinstance(following[0], list):
                        _add_outline(writer, reader, following[0], item, start, Fit)
        else:
            writer.add_outline_item(title=label, page_number=start)

    _relink(writer, starts)
    root_element[NameObject("/K")] = kids
    id_names = _renumber_ids(root_element)
    if id_names:
        tree[NameObject("/IDTree")] = writer._add_object(DictionaryObject({NameObject("/Names"): ArrayObject(id_names)}))
    tree[NameObject("/K")] = root_ref
    tree[NameObject("/ParentTree")] = writer._add_object(DictionaryObject({NameObject("/Nums"): nums}))
    tree[NameObject("/ParentTreeNextKey")] = NumberObject(offset)
    catalog = writer.root_object
    catalog[NameObject("/StructTreeRoot")] = tree_ref
    catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})
    catalog[NameObject("/Lang")] = TextStringObject("en")
    catalog[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    writer.page_mode = "/UseOutlines"

    if overlay is not None:
        heads = PdfWriter(clone_from=io.BytesIO(overlay))
        if len(heads.pages) != len(writer.pages):
            raise PrintError(f"{len(heads.pages)} running-head pages for {len(writer.pages)} pages")
        for page, head in zip(writer.pages[1:], heads.pages[1:]):
            stream = head.get_contents()
            stream.set_data(b"/Artifact <</Type /Pagination>> BDC\n" + stream.get_data() + b"\nEMC\n")
            head.replace_contents(stream)
            page.merge_page(head, over=True)
            page.compress_content_streams()  # merging leaves the page's content uncompressed: 14 MB, not 6

    stamp = info["committed"].strftime("D:%Y%m%d%H%M%S+00'00'")
    writer.metadata = None
    writer.add_metadata({
        "/Title": f"{BOOK_TITLE} (version {info['version']})",
        "/Author": "The fasoracetam evidence review",
        "/Subject": "An evidence review of fasoracetam. Not medical advice.",
        "/Keywords": f"fasoracetam; evidence review; version {info['version']}; commit {info['commit']}",
        "/Creator": "make pdf: the built HTML book printed by Chromium (Playwright), joined by pypdf",
        "/Producer": "pypdf",
        "/CreationDate": stamp,
        "/ModDate": stamp,
    })
    # The file identifier: from what was printed (commit, titles, page counts), so the same commit
    # gives the same bytes.
    from pypdf.generic import ByteStringObject

    digest = hashlib.md5(repr((info["commit"], info["dirty"], info["version"], [label for label, _ in parts],
                               len(writer.pages))).encode()).digest()
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)  # the chapters' own tree roots
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


def _add_outline(writer, reader, items, parent, start, Fit) -> None:
    previous = None
    for item in items:
        if isinstance(item, list):
            if previous is not None:
                _add_outline(writer, reader, item, previous, start, Fit)
            continue
        previous = writer.add_outline_item(title=item.title, page_number=start + reader.get_destination_page_number(item),
                                           parent=parent, fit=Fit.xyz(top=item.get("/Top")))


def print_summary(browser, html_root: Path = HTML) -> tuple[bytes, list[str]]:
    """The summary page printed on its own, as one A4 PDF with its own bookmarks and tags; and the
    requests that tried to leave the book."""
    external: list[str] = []
    with serve(html_root) as base_url:
        context = browser.new_context(service_workers="block", color_scheme="light")
        try:
            _guard(context, base_url, external)
            tab = context.new_page()
            tab.emulate_media(media="print")
            tab.goto(f"{base_url}/{SUMMARY_PAGE}", wait_until="load")
            tab.evaluate("document.fonts.ready")
            tab.evaluate(OPEN_FOLDS)
            data = tab.pdf(format="A4", prefer_css_page_size=True, print_background=True, outline=True, tagged=True)
        finally:
            context.close()
    return data, external


def summary_pdf_name(version: str) -> str:
    return f"{SUMMARY_PREFIX}{version}.pdf"


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
    pages = pages or toc_pages()
    cover, printed, external = print_pages(browser, pages, info, html_root)
    if external:
        raise PrintError("printing tried to reach outside the book: " + ", ".join(sorted(set(external))))
    from pypdf import PdfReader

    heads: list[tuple[str | None, str]] = [(None, info["version"])]
    for title, data in printed:
        heads += [(title, info["version"])] * len(PdfReader(io.BytesIO(data)).pages)
    data = merge([("Cover", cover)] + printed, print_overlay(browser, heads), info, paths=[None] + pages)
    summary, external = print_summary(browser, html_root)
    if external:
        raise PrintError("printing the summary tried to reach outside the book: " + ", ".join(sorted(set(external))))
    name, summary_name = pdf_name(info["version"]), summary_pdf_name(info["version"])
    for old in [*html_root.glob(f"{PDF_PREFIX}*.pdf"), *html_root.glob(f"{SUMMARY_PREFIX}*.pdf")]:
        old.unlink()
    target = html_root / name
    target.write_bytes(data)
    (html_root / summary_name).write_bytes(summary)
    link_front_page(html_root, (name, len(heads), len(data)),
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
