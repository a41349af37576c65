"""Every chart names its sources in its caption, on screen and in print: what a screen's tooltips
give (each mark's source) is said on the page itself.

The sources a chart names travel in its specification (``usermeta.sources``). Checked here
against the rendered page: every key is cited in the figure's caption and linked to its
bibliography entry, every table named is linked to the data page, and every source that the
chart's own data carry (a ``source`` field of any dataset) is among them, so the list cannot
lag behind the data it draws.
"""
from __future__ import annotations

import json

import pytest

from bookbuild.pages import chart_pages
from conftest import HTML, built_page
from bookview.glue import TABLE_SOURCE

#: The built pages that draw a chart, from the pages' sources: the book need not be built yet.
CHART_PAGES = [HTML / page for page in chart_pages()]


def charts(page):
    soup = built_page(page)
    for script in soup.select("script.evidence-chart-spec"):
        yield script.find_parent("figure"), json.loads(script.string)


def published_sources(page, figure_id):
    """The caption sentence the chapter's executed notebook glued for a figure (MyST, with keys)."""
    notebook = json.loads(page.with_suffix(".ipynb").read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == f"{figure_id}-sources":
                return output["data"].get(output["metadata"]["scrapbook"].get("mime_prefix", "") + "text/markdown")
    return None


def test_the_book_has_chart_pages(built_book):
    assert len(CHART_PAGES) >= 5
    drawn = sorted(p for p in built_book.rglob("*.html") if "evidence-chart-spec" in p.read_text(encoding="utf-8"))
    assert drawn == sorted(CHART_PAGES), "the pages said to draw a chart (from their sources) are not the ones that do"


@pytest.mark.parametrize("page", CHART_PAGES, ids=lambda p: p.name)
def test_every_chart_caption_names_the_sources_of_what_it_draws(built_book, page):
    for figure, spec in charts(page):
        assert figure is not None and figure.find("figcaption"), f"{page.name}: a chart outside a captioned figure"
        name = figure.get("id")
        sources = spec.get("usermeta", {}).get("sources")
        assert sources, f"{page.name}: {name} names no sources"
        caption = figure.find("figcaption")
        text = " ".join(caption.get_text().split())
        assert "Source: " in text or "Sources: " in text, f"{page.name}: {name}'s caption has no sources"
        cited = {a["href"] for a in caption.select("a[href*='bibliography.html#']")}
        keys = [k for k in sources if not k.startswith(TABLE_SOURCE)]
        assert len(cited) == len(keys), (f"{page.name}: {name}'s caption cites {len(cited)} bibliography "
                                         f"entries for {len(keys)} sources ({keys})")
        for source in sources:
            if source.startswith(TABLE_SOURCE):
                table = source[len(TABLE_SOURCE):]
                assert table in text and caption.select("a[href*='data.html']"), \
                    f"{page.name}: {name}'s caption does not name and link the table {table}"
        glued = published_sources(page, name)
        assert glued is not None and all(k in glued for k in keys), \
            f"{page.name}: the caption the notebook glued for {name} does not cite {keys}: {glued!r}"
        drawn = {str(row["source"]) for rows in spec.get("datasets", {}).values() for row in rows
                 if row.get("source")}
        drawn_keys = {k.strip() for value in drawn for k in value.split(";")}
        assert drawn_keys <= set(keys), f"{page.name}: {name} draws sources its caption omits: {drawn_keys - set(keys)}"
