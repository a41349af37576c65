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


def glue_figure(key: str, chart) -> None:
    """Glue a chart for placement with ``{glue:figure}`` (its caption is written in the prose).

    IPython swallows an exception raised while rendering a chart and keeps only its text
    repr, so the chart is rendered here, once: its specification is built and validated
    (``to_dict`` raises on an invalid specification or data that cannot be serialised), then
    turned into the page's HTML by the active renderer (``evidence.charts.chart_html``).
    """
    import altair as alt
    from myst_nb import glue

    bundle = alt.renderers.get()(chart.to_dict())
    if "text/html" not in bundle:
        raise RuntimeError(f"chart {key!r} rendered no HTML (mime types: {sorted(bundle)})")
    glue(key, _RenderedChart({"text/html": bundle["text/html"], "text/plain": f"<chart {key}>"}), display=False)


def count_phrase(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "1 trial", "2 trials", "0 trials"."""
    return f"{as_text(int(n))} {singular if int(n) == 1 else (plural or singular + 's')}"
