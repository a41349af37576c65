"""The one list of the book's pages: read from ``_toc.yml``, in its order.

The build, the tests, the print edition and the measurements all take the pages from here, so
a page added to the table of contents is built, executed, checked, printed and measured, and a
file left out of it is none of these.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def page_names(root: Path = ROOT) -> list[str]:
    """The pages' names as ``_toc.yml`` gives them (``intro``, ``chapters/what-it-is``), in order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
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
    missing = [name for name in names if not (root / f"{name}.md").is_file()]
    if missing:
        raise FileNotFoundError(f"_toc.yml lists pages with no source file: {', '.join(missing)}")
    return names


def page_sources(root: Path = ROOT) -> list[Path]:
    """Every page's source file (``intro.md``, ``chapters/what-it-is.md``), in table-of-contents order."""
    return [root / f"{name}.md" for name in page_names(root)]


def html_pages(root: Path = ROOT) -> list[str]:
    """Every page of the built book (``intro.html``), in table-of-contents order, as paths in the HTML
    folder; the book's own pages, without the search and index pages Sphinx adds."""
    return [f"{name}.html" for name in page_names(root)]


def is_notebook(source: Path) -> bool:
    """Whether a page runs code (has a code cell): the chapters that are executed."""
    return bool(re.search(r"^```\{code-cell\}", source.read_text(encoding="utf-8"), re.MULTILINE))


def notebook_sources(root: Path = ROOT) -> list[Path]:
    """The pages that run code, in table-of-contents order."""
    return [source for source in page_sources(root) if is_notebook(source)]


#: Pages Sphinx adds to the book's own: the search page and the general index.
SPHINX_PAGES = ("genindex.html", "search.html")


def built_pages(root: Path = ROOT) -> list[str]:
    """Every page a reader can open in the built book: the book's own, then the ones Sphinx adds."""
    return [*html_pages(root), *SPHINX_PAGES]


def chart_pages(root: Path = ROOT) -> list[str]:
    """The built pages that draw a chart (their source glues a figure drawn by ``bookview.charts``)."""
    return [f"{name}.html" for name, source in zip(page_names(root), page_sources(root))
            if "glue_figure(" in source.read_text(encoding="utf-8")]
