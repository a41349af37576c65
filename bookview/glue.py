"""Glue values into the book's prose as plain Python text, never as numpy reprs."""
from __future__ import annotations

import numbers

import pandas as pd


def as_text(value) -> str:
    """The text a reader should see for a value: ints without decimals, no numpy wrapper."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        raise ValueError("refusing to glue a missing value; say 'not reported in the sources reviewed' instead")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):g}"
    return str(value)


def glue_text(key: str, value) -> None:
    """Glue ``value`` under ``key`` as plain text for ``{glue:text}`` (see :func:`as_text`).

    Returns nothing, so that a chapter cell ending in a glue shows no stray output."""
    from myst_nb import glue

    glue(key, as_text(value), display=False)


class _RenderedChart:
    """A chart already rendered: IPython and myst-nb show this bundle as it is."""

    def __init__(self, bundle: dict[str, str]):
        self.bundle = bundle

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.bundle


#: The column that holds bibliography keys (one, or several separated by ";").
SOURCE_COLUMNS = ("source",)
#: A source that is one of this book's own tables, not a publication: "table:screening".
TABLE_SOURCE = "table:"


def chart_sources(*drawn) -> list[str]:
    """The sources of a chart, from what it draws: for each DataFrame, every bibliography key in
    its source columns (:data:`SOURCE_COLUMNS`); a string is a key, or ``table:<name>`` for one
    of the book's own tables (the chart draws the book's records or judgements). Sorted, unique."""
    keys: set[str] = set()
    for item in drawn:
        if isinstance(item, str):
            keys.add(item)
            continue
        columns = [c for c in SOURCE_COLUMNS if c in item.columns]
        if not columns:
            raise ValueError(f"a table drawn by a chart has no source column ({', '.join(SOURCE_COLUMNS)})")
        for column in columns:
            for cell in item[column].dropna():
                keys.update(k.strip() for k in str(cell).split(";") if k.strip())
    if not keys:
        raise ValueError("a chart must name its sources")
    return sorted(keys)


def sources_markdown(sources: list[str]) -> str:
    """The sentence a chart's caption ends with: the publications cited, the book's tables linked."""
    from .tables import citation

    keys = [s for s in sources if not s.startswith(TABLE_SOURCE)]
    tables = [s[len(TABLE_SOURCE):] for s in sources if s.startswith(TABLE_SOURCE)]
    parts = []
    if keys:
        parts.append(citation(";".join(keys)))
    if tables:
        parts.append("this review's own " + ", ".join(f"`{t}`" for t in tables)
                     + (" table" if len(tables) == 1 else " tables") + " ({doc}`the data </chapters/data>`)")
    return ("Source: " if len(sources) == 1 else "Sources: ") + "; ".join(parts) + "."


def glue_figure(key: str, chart, *, sources: list[str], phone=None) -> None:
    """Glue a chart for placement with ``{glue:figure}`` (its caption is written in the prose),
    and its sources under ``<key>-sources`` for the caption (``{glue:md}``): paper and screen
    readers get the sources that a screen's tooltips give. The sources also travel in the chart's
    specification (``usermeta``), where the tests check them against the data drawn.

    ``phone``, for a chart whose one layout cannot serve a phone and a wider page, is the same
    chart in the phone's layout: both are drawn, ``chart`` marked "wide" and ``phone`` "phone",
    and the page's style shows the one that fits the screen (``_static/book.css``).

    IPython swallows an exception raised while rendering a chart and keeps only its text
    repr, so the chart is rendered here, once: its specification is built and validated
    (``to_dict`` raises on an invalid specification or data that cannot be serialised), then
    turned into the page's HTML by the active renderer (``bookview.charts.chart_html``).
    """
    import altair as alt
    from IPython.display import Markdown
    from myst_nb import glue

    from .charts import chart_html

    sources = chart_sources(*sources)
    spec = chart.properties(usermeta={"sources": sources}).to_dict()
    if phone is None:
        bundle = alt.renderers.get()(spec)
        if "text/html" not in bundle:
            raise RuntimeError(f"chart {key!r} rendered no HTML (mime types: {sorted(bundle)})")
        page_html = bundle["text/html"]
    else:
        page_html = (chart_html(spec, layout="wide") + "\n"
                     + chart_html(phone.properties(usermeta={"sources": sources}).to_dict(), layout="phone"))
    glue(key, _RenderedChart({"text/html": page_html, "text/plain": f"<chart {key}>"}), display=False)
    glue(f"{key}-sources", Markdown(sources_markdown(sources)), display=False)


def count_phrase(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "1 trial", "2 trials", "0 trials"."""
    return f"{as_text(int(n))} {singular if int(n) == 1 else (plural or singular + 's')}"
