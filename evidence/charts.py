"""The book's chart theme and chart builders (Altair).

The theme is registered and enabled when this module is imported, so every chapter draws
with the same fonts, sizes and colour-blind-safe palette (Okabe & Ito). Builders take
validated DataFrames and return Altair charts; they never read files.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from .dates import partial_date_bounds

#: Okabe & Ito's colour-blind-safe palette (black first, then the eight hues).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
WIDTH = 580
#: The book's text column is about 680 px wide: a chart with row labels fits labels and plot inside it.
TEXT_WIDTH = 660
LABEL_WIDTH = 310


@alt.theme.register("evidence", enable=True)
def evidence_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "view": {"continuousWidth": WIDTH, "continuousHeight": 320, "stroke": None},
            "range": {"category": PALETTE},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal",
                     "gridColor": "#e6e6e6", "domainColor": "#888", "tickColor": "#888"},
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal",
                       "orient": "bottom", "direction": "horizontal", "columns": 2, "labelLimit": 260},
            "title": {"fontSize": 15, "fontWeight": "bold", "anchor": "start", "subtitleFontSize": 12,
                      "subtitleColor": "#444"},
            "text": {"fontSize": 12},
        }
    }


alt.data_transformers.disable_max_rows()  # tables are small; an unchecked limit would only hide charts

#: Shapes that carry each timeline category next to its colour, so colour never carries it alone.
CATEGORY_SHAPES = {
    "animal and laboratory research": "triangle-up",
    "clinical study": "circle",
    "publication": "square",
    "company": "diamond",
    "regulatory": "cross",
}


def timeline_frame(events: pd.DataFrame) -> pd.DataFrame:
    """Dated events with plotting positions: ``start_date``/``end_date`` and the date precision.

    Partial dates are placed at the start of the period they name (a year at 1 January, a month
    at its first day); ``precision`` says how much of the date the source gave. Undated events
    are dropped (the chapter lists them separately).
    """
    dated = events[events["start"].notna() | events["end"].notna()].copy()
    dated["precision"] = dated["start"].fillna(dated["end"]).map(
        lambda s: {1: "year", 2: "month", 3: "day"}[len(str(s).split("-"))])
    dated["start_date"] = [partial_date_bounds(s)[0] if pd.notna(s) else partial_date_bounds(e)[0]
                           for s, e in zip(dated["start"], dated["end"])]
    dated["end_date"] = [partial_date_bounds(e)[0] if pd.notna(e) else pd.NaT
                         for e in dated["end"]]
    dated["start_date"] = pd.to_datetime(dated["start_date"])
    dated["end_date"] = pd.to_datetime(dated["end_date"])
    dated["when"] = [f"{s} to {e}" if pd.notna(e) and pd.notna(s) else (s if pd.notna(s) else f"ended {e}")
                     for s, e in zip(dated["start"], dated["end"])]
    dated["n_text"] = [f"{int(n)} ({b})" if pd.notna(n) else "not reported"
                       for n, b in zip(dated["n"], dated["n_basis"])]
    return dated.sort_values(["start_date", "event_id"]).reset_index(drop=True)


def development_timeline_chart(events: pd.DataFrame) -> alt.LayerChart:
    """Every dated event on one time axis, one row per event (labelled on the left); spans as bars."""
    frame = timeline_frame(events)
    frame = frame[["event_id", "label", "category", "start_date", "end_date", "when", "precision",
                   "n_text", "source", "source_kind"]]
    y = alt.Y("label:N", sort=list(frame["label"]), title=None,
              axis=alt.Axis(labelLimit=LABEL_WIDTH, labelFontSize=11, ticks=False, domain=False))
    colour = alt.Color("category:N", title="Kind of event",
                       scale=alt.Scale(domain=list(CATEGORY_SHAPES), range=PALETTE[: len(CATEGORY_SHAPES)]))
    shape = alt.Shape("category:N", title="Kind of event",
                      scale=alt.Scale(domain=list(CATEGORY_SHAPES), range=list(CATEGORY_SHAPES.values())))
    tooltip = [alt.Tooltip("label:N", title="Event"), alt.Tooltip("when:N", title="When"),
               alt.Tooltip("precision:N", title="Date given to the"), alt.Tooltip("n_text:N", title="Participants"),
               alt.Tooltip("source:N", title="Source"), alt.Tooltip("source_kind:N", title="Kind of source")]
    base = alt.Chart(frame).encode(y=y)
    spans = base.transform_filter("datum.end_date != null").mark_rule(strokeWidth=6, opacity=0.45).encode(
        x="start_date:T", x2="end_date:T", color=colour, tooltip=tooltip)
    points = base.mark_point(size=100, filled=True, opacity=1).encode(
        x=alt.X("start_date:T", title="Year (a year or month alone is placed at its start)",
                scale=alt.Scale(padding=12), axis=alt.Axis(format="%Y", tickCount=8, labelAngle=0)),
        color=colour, shape=shape, tooltip=tooltip)
    first, last = frame["start_date"].min().year, frame["start_date"].max().year
    return (spans + points).properties(
        width=TEXT_WIDTH - LABEL_WIDTH - 20, height=22 * len(frame),
        title=alt.Title("Fasoracetam's development, as dated by the sources reviewed",
                        subtitle="One row per dated event; bars run from start to end. Hover a mark for its source."),
        description=(f"Timeline of fasoracetam's development from {first} to {last}, {len(frame)} dated events: "
                     + "; ".join(f"{w}: {l}" for w, l in zip(frame["when"], frame["label"]))),
    )
