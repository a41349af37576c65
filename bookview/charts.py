"""The book's chart theme and chart builders (Altair).

The theme is registered and enabled when this module is imported, so every chapter draws
with the same fonts, sizes and colour-blind-safe palette (Okabe & Ito). Builders take
validated DataFrames and return Altair charts; they never read files.
"""
from __future__ import annotations

import hashlib
import html
import json
import re

import altair as alt
import pandas as pd

from evidence.dates import partial_date_bounds

#: Okabe & Ito's colour-blind-safe palette (black first, then the eight hues).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Arial's metrics: Liberation Sans (which the build's chart renderer, vl-convert, measures text
#: with, and which Debian's Chromium prints with), then Arial and Helvetica (phones, other
#: computers). The static SVG places each label by the measured width, so a wider font (the
#: system-ui stack measured 7 % wider here) pushed long labels past the chart's edge.
FONT = "'Liberation Sans', Arial, Helvetica, sans-serif"
#: The widest a chart is drawn, all of it (title, axes, legend, Vega's 5 px padding): a 390 px
#: phone's text column less the figure's padding leaves 342 px (measured). One layout per chart
#: serves phone and desktop: row labels stand above their marks, facets are stacked, long titles
#: are set on several lines (:func:`lines`), so nothing is scaled down or cut off.
FIT_WIDTH = 340
#: The width of a plot that fills a chart, inside Vega's padding.
WIDTH = FIT_WIDTH - 10
#: How wide text set on lines may run: a little narrower than the plot, as Vega rounds a chart's
#: bounds up and a phone without Arial's metrics (Android's Roboto) may draw text a little wider.
LINE_WIDTH = WIDTH - 12
TITLE_SIZE, SUBTITLE_SIZE = 15, 12
#: A chart whose one layout cannot serve both a phone and a wider page is drawn twice: in the
#: phone's layout, and in a wider one at most this wide. The page shows the wider drawing from a
#: 700 px wide screen on, and in print (``_static/book.css``): from there the text column is at
#: least 608 px wide (measured from 700 to 1920 px, the side bars coming and going).
WIDE_WIDTH = 600

#: Advance widths of Arial's metrics (Liberation Sans, the renderer's font, has the same), in
#: thousandths of the font size, for the printable ASCII characters from the space on; regular
#: and bold. Used to set long text on lines that fit (:func:`lines`); other characters count 1000.
_ADVANCES = {
    False: [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278] + [556] * 10
           + [278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
              722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
              556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556,
              500, 722, 500, 500, 500, 334, 260, 334, 584],
    True: [278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278] + [556] * 10
          + [333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
             722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556,
             611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611,
             556, 778, 556, 556, 500, 389, 280, 389, 584],
}
_OTHER_ADVANCES = {"\u00a0": 278, "·": 278, "×": 584, "≥": 549, "≤": 549, "–": 556, "—": 1000, "’": 222, "‘": 222, "“": 333,
                   "”": 333, "µ": 556, "é": 556, "…": 1000}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in pixels of ``text`` drawn in the chart font at ``size`` px."""
    advances = _ADVANCES[bold]
    return size / 1000 * sum(advances[ord(c) - 32] if 32 <= ord(c) < 127 else _OTHER_ADVANCES.get(c, 1000)
                             for c in text)


def lines(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` px (a longer word has a line of
    its own). A no-break space holds two words on one line, and is drawn as a space."""
    out: list[str] = []
    for word in str(text).split(" "):
        if not word:
            continue
        if out and text_width(out[-1] + " " + word, size, bold) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    return [line.replace("\u00a0", " ") for line in out]


def fit_title(text: str, subtitle: str | None = None, width: float = LINE_WIDTH, size: float = TITLE_SIZE,
              **kwargs) -> alt.Title:
    """A bold title of ``size`` px (and a subtitle in the theme's size), each set on as many lines
    as fit ``width``."""
    title = lines(text, width, size, bold=True)
    if subtitle:
        kwargs["subtitle"] = lines(subtitle, width, SUBTITLE_SIZE)
    if size != TITLE_SIZE:
        kwargs["fontSize"] = size
    return alt.Title(title if len(title) > 1 else title[0], **kwargs)


#: Row labels set above their marks: their size and line height (px).
ROW_LABEL_SIZE, ROW_LINE_HEIGHT = 12, 14


def labelled_rows(labels, width: float = LINE_WIDTH, mark_height: float = 14, gap: float = 8,
                  top: float = 6, left: bool = False) -> tuple[pd.DataFrame, int]:
    """Where rows labelled with text go, in pixels from the top: each label on as many lines as fit
    ``width`` (``label_text``, lines joined by a newline; ``label_y``, its top) and its marks
    (``mark_y``, their middle); and the height of all the rows. The first row starts ``top`` px
    down, clear of an axis above the plot.

    A label stands above its marks, so that on a phone the plot takes the full width, not what a
    label column leaves of it; the marks stand close under their own label and ``gap`` px above the
    next, so each label is read with its own marks. With ``left``, the label stands left of the
    plot instead, level with its marks (a wider page has room for a label column)."""
    rows = []
    for label in labels:
        text = lines(label, width, ROW_LABEL_SIZE)
        if left:
            mark_y = top + max(ROW_LINE_HEIGHT * len(text), mark_height) / 2
            label_y = mark_y - ROW_LINE_HEIGHT * len(text) / 2
            bottom = mark_y + max(ROW_LINE_HEIGHT * len(text), mark_height) / 2
        else:
            label_y, mark_y = top, top + ROW_LINE_HEIGHT * len(text) + mark_height / 2
            bottom = mark_y + mark_height / 2
        rows.append({"label_text": "\n".join(text), "label_y": label_y, "mark_y": mark_y})
        top = bottom + gap
    return pd.DataFrame(rows), int(round(top - gap + 2))


def pixel_y(field: str, height: int) -> alt.Y:
    """A y encoding in pixels from the top of a plot ``height`` px high (no axis)."""
    return alt.Y(field, scale=alt.Scale(domain=[0, height], reverse=True, nice=False, zero=False), axis=None)


def row_labels(frame: pd.DataFrame, height: int, left: bool = False) -> alt.Chart:
    """The labels of :func:`labelled_rows`: left-aligned at the plot's left edge, above their marks,
    or with ``left``, right-aligned 10 px left of the plot."""
    return alt.Chart(frame).mark_text(align="right" if left else "left", baseline="top", fontSize=ROW_LABEL_SIZE,
                                      lineBreak="\n", lineHeight=ROW_LINE_HEIGHT, color="#222").encode(
        x=alt.value(-10 if left else 0), y=pixel_y("label_y:Q", height), text="label_text:N")


def label_lines_expr(values, width: float, size: float = 12) -> str:
    """A ``labelExpr`` that sets each of ``values`` on as many lines as fit ``width`` px (an axis's
    bands are often narrower than their names on a phone)."""
    return "{" + ", ".join(f"{json.dumps(str(v))}: {json.dumps(lines(v, width, size))}" for v in values) + "}[datum.value]"



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
                       "orient": "bottom", "direction": "horizontal", "columns": 2, "labelLimit": 260,
                       # Legends under a chart stand one above the other: side by side they would not fit a phone.
                       "layout": {"bottom": {"anchor": "start", "direction": "vertical", "margin": 10}}},
            "title": {"fontSize": TITLE_SIZE, "fontWeight": "bold", "anchor": "start", "subtitleFontSize": SUBTITLE_SIZE,
                      "subtitleColor": "#444"},
            "text": {"fontSize": 12},
            # Screen readers get each chart's description (the SVG's label), not one label per
            # mark; marks are hidden from the accessibility tree.
            "mark": {"aria": False},
        }
    }


#: The class of a chart's element in the page; its specification follows it in a JSON script.
CHART_CLASS = "evidence-chart"
CHART_SPEC_CLASS = "evidence-chart-spec"


def chart_html(spec: dict, layout: str | None = None) -> str:
    """A chart as the book's pages hold it: the chart drawn as a static SVG, in an element
    labelled with the chart's description (for screen readers), and the Vega-Lite
    specification beside it, as JSON data.

    The SVG is drawn here by vl-convert (Vega's own renderer, offline), so the chart shows
    with the text, on a phone before any script has arrived, in print, and in the published
    notebook. On the web, Vega, fetched after the page has loaded (``_static/charts.js``),
    redraws it from the specification for tooltips and controls. The element id is derived
    from the specification, so two builds write the same HTML. A chart drawn in two layouts
    (:func:`bookview.glue.glue_figure`) names its ``layout``, "phone" or "wide": the page's
    style shows one of the two."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    element = "altair-viz-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
    label = html.escape(str(spec.get("description") or "chart"), quote=True)
    data = text.replace("</", "<\\/")  # no "</script>" inside the script element
    # A picture, for screen readers; a group when it has controls (they must stay reachable).
    role = "group" if '"bind":' in text else "img"
    layout_attribute = f' data-layout="{layout}"' if layout else ""
    return (f'<div id="{element}" class="{CHART_CLASS}"{layout_attribute} role="{role}" aria-label="{label}">'
            f'{static_svg(spec)}</div>\n'
            f'<script type="application/json" class="{CHART_SPEC_CLASS}" data-chart="{element}">'
            f'{data}</script>')


def static_svg(spec: dict) -> str:
    """The chart drawn as SVG by vl-convert, hidden from screen readers (its element carries
    the description), for the Vega-Lite version of Altair's schema."""
    import vl_convert

    found = re.search(r"/v(\d+)\.(\d+)\.\d+\.json$", spec.get("$schema", ""))
    if not found:
        raise ValueError(f"a chart has no Vega-Lite schema version: {spec.get('$schema')!r}")
    svg = vl_convert.vegalite_to_svg(spec, vl_version=f"{found.group(1)}.{found.group(2)}")
    if not svg.startswith("<svg "):
        raise RuntimeError(f"vl-convert returned no SVG: {svg[:80]!r}")
    return '<svg aria-hidden="true" focusable="false" ' + svg[len("<svg "):]


def _render_chart(spec: dict, **metadata) -> dict[str, str]:
    return {"text/html": chart_html(spec)}


alt.renderers.register("evidence-html", _render_chart)
alt.renderers.enable("evidence-html")
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


def development_timeline_chart(events: pd.DataFrame, wide: bool = False) -> alt.LayerChart:
    """Every dated event on one time axis, one row per event; spans as bars. On a phone each row's
    label stands above its mark; ``wide``, for a wider page and print, the labels stand in a
    column left of the plot (:data:`WIDE_WIDTH`): the phone's layout, 340 px wide, is taller than
    a desktop's screen or a printed page."""
    frame = timeline_frame(events)
    frame = frame[["event_id", "label", "category", "start_date", "end_date", "when", "precision",
                   "n_text", "source", "source_kind"]]
    plot_width = 250 if wide else WIDTH  # the wide layout's label column takes the rest
    label_width = WIDE_WIDTH - 10 - plot_width - 10
    places, height = (labelled_rows(frame["label"], width=label_width - 12, mark_height=12, gap=7, left=True) if wide
                      else labelled_rows(frame["label"], mark_height=12, gap=9))
    frame = pd.concat([frame, places], axis=1)
    y = pixel_y("mark_y:Q", height)
    # The wide layout's legend starts under the label column (under the plot it would run past the chart).
    legend = (alt.Legend(columns=2, orient="none", legendX=-label_width, legendY=height + 48) if wide
              else alt.Legend(columns=1))
    colour = alt.Color("category:N", title="Kind of event", legend=legend,
                       scale=alt.Scale(domain=list(CATEGORY_SHAPES), range=PALETTE[: len(CATEGORY_SHAPES)]))
    shape = alt.Shape("category:N", title="Kind of event",
                      scale=alt.Scale(domain=list(CATEGORY_SHAPES), range=list(CATEGORY_SHAPES.values())))
    tooltip = [alt.Tooltip("label:N", title="Event"), alt.Tooltip("when:N", title="When"),
               alt.Tooltip("precision:N", title="Date given to the"), alt.Tooltip("n_text:N", title="Participants"),
               alt.Tooltip("source:N", title="Source"), alt.Tooltip("source_kind:N", title="Kind of source")]
    base = alt.Chart(frame).encode(y=y)
    years = {"format": "%Y", "tickCount": 8, "labelAngle": 0}
    # The years stand above the rows as well as under them: the chart is taller than a screen.
    spans = base.transform_filter("datum.end_date != null").mark_rule(strokeWidth=6, opacity=0.45).encode(
        x=alt.X("start_date:T", title=None, axis=alt.Axis(orient="top", grid=False, **years)),
        x2="end_date:T", color=colour, tooltip=tooltip)
    points = base.mark_point(size=100, filled=True, opacity=1).encode(
        x=alt.X("start_date:T", title="Year (a year or month alone is placed at its start)",
                scale=alt.Scale(padding=12), axis=alt.Axis(**years, **({"titleAnchor": "end"} if wide else {}))),
        color=colour, shape=shape, tooltip=tooltip)
    first, last = frame["start_date"].min().year, frame["start_date"].max().year
    title_width = WIDE_WIDTH - 10 - 12 if wide else LINE_WIDTH
    return (spans + points + row_labels(places, height, left=wide)).resolve_axis(x="independent").properties(
        width=plot_width, height=height,
        title=fit_title("Fasoracetam's development, as dated by the sources reviewed",
                        "One row per dated event; bars run from start to end. On a computer, hover a mark for its source.",
                        width=title_width),
        description=(f"Timeline of fasoracetam's development from {first} to {last}, {len(frame)} dated events: "
                     + "; ".join(f"{w}: {l}" for w, l in zip(frame["when"], frame["label"]))),
    )


# --- the ADHD trials ----------------------------------------------------------------------------

#: Light fills for the phases of a trial's schedule, drawn behind the doses.
PHASE_FILLS = {"washout": "#d9d9d9", "placebo lead-in": "#cfe3f3", "titration": "#fde3b5",
               "maintenance": "#cdebdf", "off-drug": "#eeeeee"}


def dose_schedule_chart(steps: pd.DataFrame, study_names: dict[str, str]) -> alt.VConcatChart:
    """Dose per week for each trial, per administration and per day, phases shaded behind.

    ``steps`` comes from :func:`evidence.trials.dose_steps`. A dose range is a bar from the
    lowest to the highest dose; where the source gives only a ceiling, a dashed line marks it.
    """
    frame = steps.assign(
        study=steps["study_id"].map(study_names),
        low_shown=steps["low"].fillna(steps["high"]).astype(float),
        high=steps["high"].astype(float),
        derived_text=["derived: mg per administration × times per day" if d else "as reported" for d in steps["derived"]],
    )
    frame = frame.drop(columns=["low"]).astype({"times_per_day": "object"})
    frame["times_per_day"] = [("not reported" if pd.isna(t) else str(t)) for t in frame["times_per_day"]]
    tooltip = [alt.Tooltip("study:N", title="Study"), alt.Tooltip("weeks:N", title="When"),
               alt.Tooltip("phase:N", title="Phase"), alt.Tooltip("dose_text:N", title="Dose"),
               alt.Tooltip("times_per_day:N", title="Times per day"), alt.Tooltip("rule:N", title="Rule as written"),
               alt.Tooltip("derived_text:N", title="Value"), alt.Tooltip("source:N", title="Source")]
    x = alt.X("x0:Q", title="Study week",
              scale=alt.Scale(domain=[float(frame["x0"].min()), float(frame["x1"].max())], nice=False),
              axis=alt.Axis(tickMinStep=1, format="d"))
    phases = alt.Chart().mark_rect(opacity=0.9).encode(
        x=x, x2="x1:Q",
        color=alt.Color("phase:N", title="Phase", scale=alt.Scale(domain=list(PHASE_FILLS), range=list(PHASE_FILLS.values()))),
        tooltip=tooltip)
    known = "datum.low_reported && datum.high > 0"
    bars = alt.Chart().transform_filter(known).mark_rect(color=PALETTE[0], opacity=0.85, height=8).encode(
        x=x, x2="x1:Q", y=alt.Y("low_shown:Q", title=None), y2="high:Q", tooltip=tooltip)
    ceilings = alt.Chart().transform_filter("!datum.low_reported && datum.high > 0").mark_rule(
        color=PALETTE[5], strokeDash=[6, 3], strokeWidth=2.5).encode(
        x=x, x2="x1:Q", y="high:Q", tooltip=tooltip)
    zeros = alt.Chart().transform_filter("datum.high == 0").mark_rule(color="#555", strokeWidth=2.5).encode(
        x=x, x2="x1:Q", y="high:Q", tooltip=tooltip)
    descriptions = []
    for (study, unit), group in frame.groupby(["study", "unit"], sort=False):
        descriptions.append(f"{study}, {unit}: " + "; ".join(f"{w} {p} {d}" for w, p, d in
                                                               zip(group["weeks"], group["phase"], group["dose_text"])))
    # One row per trial, named above it; in it the doses per administration and per day, side by
    # side, each titled with its unit (so the dose axes need no title): two columns fit a phone.
    units = ["mg per administration", "mg per day"]
    rows = []
    for study in dict.fromkeys(frame["study"]):
        cells = [alt.layer(phases, bars, ceilings, zeros, data=frame).transform_filter(
                     (alt.datum.study == study) & (alt.datum.unit == unit)).properties(
                     width=(WIDTH - 10) // 2 - 32, height=110, title=alt.Title(unit, fontSize=12, fontWeight="normal"))
                 for unit in units if ((frame["study"] == study) & (frame["unit"] == unit)).any()]
        rows.append(alt.hconcat(*cells, spacing=10).properties(
            title=alt.Title(study, fontSize=13, fontWeight="bold")))
    return alt.vconcat(*rows, spacing=16).resolve_scale(y="independent").properties(
        title=fit_title("Dose schedules of the adolescent ADHD trials",
                        "Bars: dose range; dashed: a ceiling only; grey line: no drug. Shading: phase of the study."),
        description="Dose schedules by week. " + " ".join(descriptions),
    )


#: The widest a CGI axis label may be drawn on one line; a longer one takes a second line.
CGI_LABEL_WIDTH = 150


def cgi_change_chart(means: pd.DataFrame, scales: pd.DataFrame) -> alt.VConcatChart:
    """Baseline and week-5 means of CGI-I and CGI-S on each scale's own 1-7 axis (lower is better),
    one panel above the other.

    ``scales`` (the scales table) labels every point of each axis with what it means.
    """
    panels = []
    # Both axes as wide as the widest label of either scale: the panels' titles line up.
    # A long label (a point's full wording) is set on two lines rather than widen the chart.
    drawn = scales[scales["scale"].isin(means["measure"])]
    label_lines = {(p, t): lines(f"{p} {t}", CGI_LABEL_WIDTH, 12) for p, t in zip(drawn["point"], drawn["label"])}
    label_width = int(max(text_width(line, 12) for broken in label_lines.values() for line in broken)) + 9
    for measure, group in means.groupby("measure", sort=True):
        points = scales[scales["scale"] == measure].sort_values("point")
        expr = "[" + ", ".join(json.dumps(label_lines[(p, t)]) for p, t in zip(points["point"], points["label"])) + "][datum.value - 1]"
        y = alt.Y("value:Q", title=None, scale=alt.Scale(domain=[1, 7], reverse=True),
                  axis=alt.Axis(values=list(range(1, 8)), labelExpr=expr, labelLimit=0, minExtent=label_width))
        x = alt.X("timepoint:N", title=None, sort=["baseline", "week 5"], axis=alt.Axis(labelAngle=0))
        tooltip = [alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("timepoint:N", title="When"),
                   alt.Tooltip("value:Q", title="Mean", format=".2f"), alt.Tooltip("source:N", title="Source")]
        base = alt.Chart(group).encode(x=x, y=y, tooltip=tooltip)
        line = base.mark_line(color=PALETTE[0], strokeWidth=2)
        points = base.mark_point(filled=True, size=90, color=PALETTE[0])
        text = base.mark_text(dx=10, align="left", fontSize=12).encode(text=alt.Text("value:Q", format=".2f"))
        panels.append((line + points + text).properties(
            width=150, height=190,
            title=alt.Title(f"{measure}: mean score (1 to 7; lower is better)", fontSize=13)))
    summary = "; ".join(f"{m} mean {v:.2f} at {t}" for m, t, v in zip(means["measure"], means["timepoint"], means["value"]))
    return alt.vconcat(*panels, spacing=20).properties(
        title=fit_title("CGI in the open-label trial GREAT: baseline and week 5",
                        "Group means from the abstract; the axis is reversed so that improvement points up. "
                        "Everyone took the drug, with no comparison group: this cannot show that the drug "
                        "caused the change."),
        description=f"Clinical Global Impression means in GREAT: {summary}.",
    )


#: Each responder analysis's panel title: whose word "prespecified" is, and what the registry says.
RESPONDER_PANELS = {
    "prespecified responder": "Called prespecified by the company: {measure}",
    "key secondary": "Called the key secondary by the company: {measure}",
    "post hoc": "Post hoc subgroup (nine selected genes): no interval, arm sizes not reported",
}


def responder_chart(rates: pd.DataFrame) -> alt.VConcatChart:
    """Percent responding on drug and on placebo in SAGA with Wilson 95% intervals; post hoc apart."""
    frame = rates.assign(
        low=rates["low"].astype(float), high=rates["high"].astype(float),
        panel=[RESPONDER_PANELS[a].format(measure=m) for a, m in zip(rates["analysis"], rates["measure"])],
        count_text=[(f"{c} of {t} (derived)" if pd.notna(c) else "not reported") for c, t in zip(rates["count"], rates["total"])],
        interval_text=[(f"{lo:.0f}% to {hi:.0f}%" if pd.notna(lo) else "none") for lo, hi in zip(rates["low"], rates["high"])],
    ).drop(columns=["count", "total", "reproduces", "derivation", "stage"], errors="ignore")
    tooltip = [alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("analysis:N", title="Analysis"),
               alt.Tooltip("arm:N", title="Arm"), alt.Tooltip("percent:Q", title="Percent responding (reported)"),
               alt.Tooltip("count_text:N", title="Count"), alt.Tooltip("interval_text:N", title="Wilson 95% interval (derived)"),
               alt.Tooltip("source:N", title="Source")]
    x = alt.X("percent:Q", title="Participants responding (%)", scale=alt.Scale(domain=[0, 100]))
    y = alt.Y("arm:N", title=None, sort=["drug", "placebo"])
    colour = alt.Color("arm:N", title="Arm", scale=alt.Scale(domain=["drug", "placebo"], range=[PALETTE[0], PALETTE[1]]))
    shape = alt.Shape("arm:N", title="Arm", scale=alt.Scale(domain=["drug", "placebo"], range=["circle", "square"]))
    width = WIDTH - 8 - int(text_width("placebo", 12))  # what the arms' labels leave, and room for "100"
    panels = []
    for panel, group in frame.groupby("panel", sort=False):
        base = alt.Chart(group).encode(y=y, tooltip=tooltip)
        whiskers = base.transform_filter("isValid(datum.low)").mark_rule(strokeWidth=2).encode(
            x=alt.X("low:Q", scale=alt.Scale(domain=[0, 100]), title="Participants responding (%)"), x2="high:Q", color=colour)
        points = base.mark_point(filled=True, size=110, opacity=1).encode(x=x, color=colour, shape=shape)
        labels = base.mark_text(dy=-12, fontSize=11).encode(x=x, text=alt.Text("percent:Q", format=".0f"))
        panels.append((whiskers + points + labels).properties(
            width=width - 20, height=70, title=fit_title(panel, size=12)))
    description = "; ".join(f"{m} ({a}), {arm}: {p:g}% ({i})" for m, a, arm, p, i in
                            zip(frame["measure"], frame["analysis"], frame["arm"], frame["percent"], frame["interval_text"]))
    return alt.vconcat(*panels, spacing=18).properties(
        title=fit_title("Responders in SAGA, drug versus placebo",
                        "Company-reported percentages; intervals from counts derived from the reported p-values (rule in the text)."),
        description=f"Responder rates in the randomized trial SAGA: {description}.",
    )


ENDPOINT_COLOURS = {"met": PALETTE[2], "not met": PALETTE[5], "result not reported": "#999999", "no drug given": PALETTE[4]}
ENDPOINT_SHAPES = {"met": "circle", "not met": "cross", "result not reported": "square", "no drug given": "diamond"}


def study_map_chart(overview: pd.DataFrame) -> alt.Chart:
    """Every dated study on a timeline, sized by participants, coloured (and shaped) by its primary endpoint."""
    frame = overview[overview["first_date"].notna()].copy()
    frame = frame[["name", "registry_id", "first_date", "first_date_text", "first_date_label", "n", "n_basis",
                   "endpoint_label", "design", "ages"]].assign(
        n=frame["n"].astype(float),
        n_text=[f"{int(n)} ({b})" if pd.notna(n) else "not reported" for n, b in zip(frame["n"], frame["n_basis"])],
        registry_id=frame["registry_id"].fillna("none found"),
        design=frame["design"].fillna("not reported in the sources reviewed"),
        ages=frame["ages"].fillna("not reported in the sources reviewed"),
    )
    frame = frame.sort_values("first_date").reset_index(drop=True)
    places, height = labelled_rows(frame["name"], mark_height=32, gap=8)
    frame = pd.concat([frame, places], axis=1)
    tooltip = [alt.Tooltip("name:N", title="Study"), alt.Tooltip("registry_id:N", title="Registry id"),
               alt.Tooltip("first_date_text:N", title="Date"), alt.Tooltip("first_date_label:N", title="Dated by"),
               alt.Tooltip("n_text:N", title="Participants"), alt.Tooltip("ages:N", title="Ages"),
               alt.Tooltip("design:N", title="Design"), alt.Tooltip("endpoint_label:N", title="Primary endpoint")]
    domain = list(ENDPOINT_COLOURS)
    chart = alt.Chart(frame).mark_point(filled=True, opacity=0.85).encode(
        x=alt.X("first_date:T", title="Earliest date the sources give for the study",
                scale=alt.Scale(padding=20), axis=alt.Axis(format="%Y", labelAngle=0)),
        y=pixel_y("mark_y:Q", height),
        size=alt.Size("n:Q", title="Participants", scale=alt.Scale(range=[80, 900])),
        color=alt.Color("endpoint_label:N", title="Primary endpoint",
                        scale=alt.Scale(domain=domain, range=[ENDPOINT_COLOURS[d] for d in domain])),
        shape=alt.Shape("endpoint_label:N", title="Primary endpoint",
                        scale=alt.Scale(domain=domain, range=[ENDPOINT_SHAPES[d] for d in domain])),
        tooltip=tooltip,
    )
    return (chart + row_labels(places, height)).properties(
        width=WIDTH, height=height,
        title=fit_title("The clinical studies found",
                        "The genetic study gave no drug; NB-001, named as such, may not be fasoracetam. Sized by "
                        "participants (enrolled where known, else planned or target); hover for details."),
        description="Clinical studies by date: " + "; ".join(
            f"{n}, {d}, {t} participants, primary endpoint {e}" for n, d, t, e in
            zip(frame["name"], frame["first_date_text"], frame["n_text"], frame["endpoint_label"])),
    )


# --- mechanisms ---------------------------------------------------------------------------------

EVIDENCE_KINDS = ["in-vitro", "animal", "human", "kind not known", "no study"]
SYSTEMS = ["cholinergic", "GABAergic", "glutamatergic", "energy metabolism"]
BEARING_COLOURS = {"supports": PALETTE[2], "partly supports": PALETTE[1], "contradicts": PALETTE[5],
                   "no finding read": "#999999"}
BEARING_SHAPES = {"supports": "circle", "partly supports": "triangle-up", "contradicts": "cross",
                  "no finding read": "square"}


def evidence_map_chart(findings: pd.DataFrame) -> alt.LayerChart:
    """Mechanisms down, kinds of evidence across (every kind shown, empty or not), one mark per
    finding coloured and shaped by what it means for the claim."""
    frame = findings[["finding_id", "system", "claim", "claim_ids", "study", "species", "dose", "measure", "effect",
                      "evidence_kind", "read", "bearing"]].copy()
    for col in ("species", "dose", "measure", "effect"):
        frame[col] = frame[col].fillna("not reported in the sources reviewed")
    frame["slot"] = frame.groupby(["system", "evidence_kind"]).cumcount().astype(str)
    domain = list(BEARING_COLOURS)
    tooltip = [alt.Tooltip("claim:N", title="Claim"), alt.Tooltip("claim_ids:N", title="Claim ids"),
               alt.Tooltip("study:N", title="Study"), alt.Tooltip("species:N", title="Species"),
               alt.Tooltip("dose:N", title="Dose"), alt.Tooltip("measure:N", title="Measured"),
               alt.Tooltip("effect:N", title="Found"), alt.Tooltip("read:N", title="How much was read"),
               alt.Tooltip("bearing:N", title="For the claim")]
    # Each mechanism is named above its row of marks, so the five kinds of evidence get the full width.
    places, height = labelled_rows(SYSTEMS, mark_height=18, gap=12)
    places["system"] = SYSTEMS
    frame = frame.merge(places[["system", "mark_y"]], on="system", how="left", validate="many_to_one")
    marks = alt.Chart(frame).mark_point(filled=True, size=220, opacity=0.95, stroke="#333", strokeWidth=0.6).encode(
        x=alt.X("evidence_kind:N", title="Kind of evidence", scale=alt.Scale(domain=EVIDENCE_KINDS),
                axis=alt.Axis(labelAngle=0, grid=True, labelExpr=label_lines_expr(EVIDENCE_KINDS, WIDTH / 5 - 6))),
        xOffset=alt.XOffset("slot:N"),
        y=pixel_y("mark_y:Q", height),
        color=alt.Color("bearing:N", title="For the claim",
                        scale=alt.Scale(domain=domain, range=[BEARING_COLOURS[d] for d in domain])),
        shape=alt.Shape("bearing:N", title="For the claim",
                        scale=alt.Scale(domain=domain, range=[BEARING_SHAPES[d] for d in domain])),
        tooltip=tooltip,
    )
    chart = marks + row_labels(places.drop(columns="system"), height)
    counts = frame.groupby("evidence_kind").size()
    return chart.properties(
        width=WIDTH, height=height,
        title=fit_title("What stands behind each claimed mechanism",
                        "One mark per finding (or per claim with no study). On a computer, hover a mark for the study, species, dose and effect."),
        description=("Evidence map of fasoracetam's claimed mechanisms. "
                     + "; ".join(f"{k}: {int(counts.get(k, 0))} finding(s)" for k in EVIDENCE_KINDS) + ". "
                     + "; ".join(f"{s}, {k}: {st}, {b}" for s, k, st, b in
                                 zip(frame["system"], frame["evidence_kind"], frame["study"], frame["bearing"]))),
    )


# --- doses and pharmacokinetics ---------------------------------------------------------------

DOSE_CONTEXTS = ["community", "trial single dose", "trial repeated dose"]
DOSE_BASES = ["per administration", "per day"]


def dose_landscape_chart(doses: pd.DataFrame) -> alt.VConcatChart:
    """The doses people were given or told to take, on one log axis (mg), in two panels that
    never mix units: mg per administration, and mg per day. A bar runs from the lowest to the
    highest dose, coloured and shaped by context; a dose with no lower figure is a point.

    ``doses`` is :func:`evidence.pharmacology.landscape_frame`: ``label``, ``context``,
    ``basis``, ``low``, ``high``, ``range_text``, ``frequency_text``, ``value``, ``source``.
    """
    unknown = set(doses["basis"]) - set(DOSE_BASES)
    if unknown:
        raise ValueError(f"dose landscape: unknown unit basis {sorted(unknown)}")
    frame = doses.assign(low_shown=doses["low"].fillna(doses["high"]).astype(float), high=doses["high"].astype(float))[
        ["label", "context", "basis", "low_shown", "high", "range_text", "frequency_text", "value", "source"]]
    domain = DOSE_CONTEXTS
    colour = alt.Color("context:N", title="Source of the dose", legend=alt.Legend(columns=1),
                       scale=alt.Scale(domain=domain, range=[PALETTE[1], PALETTE[0], PALETTE[4]]))
    shape = alt.Shape("context:N", scale=alt.Scale(domain=domain, range=["circle", "square", "diamond"]),
                      title="Source of the dose")
    tooltip = [alt.Tooltip("label:N", title="Dose"), alt.Tooltip("range_text:N", title="Amount"),
               alt.Tooltip("frequency_text:N", title="How often"), alt.Tooltip("value:N", title="Value"),
               alt.Tooltip("source:N", title="Source")]
    scale = alt.Scale(type="log", domain=[5, 1000])
    panels = []
    for basis in DOSE_BASES:
        part = frame[frame["basis"] == basis].reset_index(drop=True)
        places, height = labelled_rows(part["label"], width=LINE_WIDTH - 16, mark_height=10, gap=9)
        part = pd.concat([part, places], axis=1)
        base = alt.Chart(part).encode(y=pixel_y("mark_y:Q", height), tooltip=tooltip)
        bars = base.mark_rule(strokeWidth=7, opacity=0.85).encode(
            x=alt.X("low_shown:Q", title=f"Dose (mg {basis}, logarithmic scale)", scale=scale), x2="high:Q", color=colour)
        ends = base.mark_point(filled=True, size=70, opacity=1).encode(x=alt.X("high:Q", scale=scale), color=colour, shape=shape)
        subtitle = ("As the sources give it; single doses were given once."
                    if basis == "per administration" else
                    "As reported, or derived: mg per administration × times a day (only where the source says how often).")
        panels.append((bars + ends + row_labels(places, height)).properties(
            # room for the axis's last label, centred on the plot's right edge
            width=WIDTH - 16, height=height, title=fit_title(f"mg {basis}", subtitle, size=13)))
    return alt.vconcat(*panels, spacing=28).resolve_scale(color="shared", shape="shared").properties(
        title=fit_title("Doses in the popular pages and the trials",
                        "Doses per administration and per day are drawn apart and never compared with each other."),
        description="Dose landscape on a logarithmic axis, in two panels. " + " ".join(
            f"{basis}: " + "; ".join(f"{l} ({c}): {r}, {f}, {v}" for l, c, r, f, v in
                                     zip(part["label"], part["context"], part["range_text"], part["frequency_text"], part["value"])) + "."
            for basis, part in ((b, frame[frame["basis"] == b]) for b in DOSE_BASES)),
    )


def pk_explorer_chart(profiles: pd.DataFrame, summaries: pd.DataFrame) -> alt.LayerChart:
    """Illustrative concentration curves, one per half-life scenario, chosen with a select control.

    ``profiles``: ``scenario``, ``hour``, ``relative``; ``summaries``: ``scenario`` and ``text``
    (what the chosen curve shows). The control is a Vega-Lite parameter: it works in the static
    page, with no kernel.
    """
    scenarios = list(dict.fromkeys(profiles["scenario"]))
    choice = alt.param(name="half_life", value=scenarios[0],
                       bind=alt.binding_select(options=scenarios, name="Half-life from: "))
    width = WIDTH - 52  # what the y axis leaves
    x = alt.X("hour:Q", title="Hours after the first dose (a dose every 12 hours)",
              axis=alt.Axis(values=list(range(0, int(profiles["hour"].max()) + 1, 12))))
    top = max(1.0, float(profiles["relative"].max())) * 1.4  # the same axis for every half-life, room for the note
    y = alt.Y("relative:Q", title="Concentration (1 = peak after the first dose)", scale=alt.Scale(domain=[0, top]))
    line = alt.Chart(profiles).mark_line(color=PALETTE[0], strokeWidth=2).encode(
        x=x, y=y, tooltip=[alt.Tooltip("scenario:N", title="Half-life"), alt.Tooltip("hour:Q", title="Hour", format=".1f"),
                           alt.Tooltip("relative:Q", title="Relative concentration", format=".2f")]
    ).transform_filter(alt.datum.scenario == choice).add_params(choice)
    reference = alt.Chart(pd.DataFrame({"relative": [1.0]})).mark_rule(strokeDash=[4, 4], color="#666").encode(y="relative:Q")
    # The chosen half-life is named in the chart itself: a static drawing, or paper, shows which one it is.
    notes = summaries[["scenario", "text"]].assign(shown=[
        "\n".join(line for paragraph in [f"Half-life from: {scenario}", *str(text).split("\n")]
                  for line in lines(paragraph, width - 12, 12))
        for scenario, text in zip(summaries["scenario"], summaries["text"])])
    note = alt.Chart(notes).mark_text(align="left", baseline="top", dx=6, dy=6, fontSize=12, color="#222",
                                      lineBreak="\n").encode(
        x=alt.value(0), y=alt.value(0), text="shown:N").transform_filter(alt.datum.scenario == choice)
    return alt.layer(reference, line, note).properties(
        width=width, height=300,
        title=fit_title("Illustrative only: concentration under repeated twice-daily dosing",
                        "One-compartment model; pick the half-life a source gives. Not dosing advice."),
        description=("Illustrative one-compartment model of twice-daily dosing under the half-lives the sources give: "
                     + "; ".join(f"{s}: {t}" for s, t in zip(summaries["scenario"], summaries["text"]))),
    )


# --- the claims ledger ------------------------------------------------------------------------

VERDICTS = ["supported", "partly-supported", "unsupported", "contradicted"]


def claim_topics(claims: pd.DataFrame) -> list[str]:
    """The topic vocabulary of the claims ledger, in the order of its schema (data/datapackage.json)."""
    fields = {f["name"]: f for f in claims.attrs.get("schema", {}).get("fields", [])}
    if "topic" not in fields:
        raise ValueError("the claims table carries no schema: load it with evidence.data.load_table('claims')")
    return list(fields["topic"]["constraints"]["enum"])


def verdict_chart(claims: pd.DataFrame) -> alt.LayerChart:
    """Claims by verdict (rows) and topic (columns): each cell shows its count as text and as shade.
    The topics, more numerous, stand upright over narrow columns, so the four verdicts fit a phone."""
    topics = claim_topics(claims)
    counts = claims.groupby(["topic", "verdict"]).size().rename("claims").reset_index()
    grid = pd.MultiIndex.from_product([topics, VERDICTS], names=["topic", "verdict"]).to_frame(index=False)
    frame = grid.merge(counts, how="left").fillna({"claims": 0})
    frame["claims"] = frame["claims"].astype(int)
    frame = frame[frame["topic"].isin(claims["topic"])]
    label_width = max(text_width(v, 12) for v in VERDICTS) + 12  # the verdicts, the tick and the padding
    base = alt.Chart(frame).encode(
        x=alt.X("topic:N", title="Topic", scale=alt.Scale(domain=[t for t in topics if t in set(frame["topic"])]),
                axis=alt.Axis(labelAngle=-90, orient="top")),
        y=alt.Y("verdict:N", title=None, scale=alt.Scale(domain=VERDICTS)),
        tooltip=[alt.Tooltip("topic:N", title="Topic"), alt.Tooltip("verdict:N", title="Verdict"),
                 alt.Tooltip("claims:Q", title="Claims")])
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("claims:Q", title="Claims", scale=alt.Scale(scheme="blues", domainMin=0), legend=None))
    text = base.mark_text(fontSize=14, fontWeight="bold").encode(
        text=alt.Text("claims:Q"), color=alt.condition(alt.datum.claims > 4, alt.value("white"), alt.value("#222")))
    totals = claims["verdict"].value_counts()
    return (cells + text).properties(
        width=int(WIDTH - label_width), height=36 * len(VERDICTS),
        title=fit_title("The popular claims, by topic and verdict",
                        "Each cell counts the claims with that topic and verdict."),
        description="Verdicts on the popular claims: " + "; ".join(f"{v}: {int(totals.get(v, 0))}" for v in VERDICTS)
                    + ". By topic: " + "; ".join(f"{t} {v} {c}" for t, v, c in
                                                  zip(frame["topic"], frame["verdict"], frame["claims"]) if c),
    )


def _packed(items: list[str], width: float, size: float) -> list[str]:
    """Short items set on lines that fit ``width``, joined by a middle dot; an item too long for a
    line of its own is broken at its spaces (:func:`lines`)."""
    out: list[str] = []
    for item in items:
        if out and text_width(out[-1] + " · " + item, size) <= width:
            out[-1] += " · " + item.replace("\u00a0", " ")
        else:
            out.extend(lines(item, width, size))
    return out


def prisma_flow_chart(flow) -> alt.LayerChart:
    """The PRISMA 2020 flow diagram of an :class:`evidence.prisma.PrismaFlow`: the main boxes down the
    left (identification, screening, retrieval, eligibility, inclusion), what left the flow at each
    step on the right, and the sources kept apart from the evidence in a row underneath. The boxes'
    text is set on as many lines as their width takes, so the two columns fit a phone."""
    places = [f"{place}\u00a0{n}" for place, n in flow.identified_by.items()]
    LEFT_W, RIGHT_W, GAP = 168, 140, 18  # the two columns' widths and the gap the arrows cross (pixels)
    left, right = 0, LEFT_W + GAP
    width_of = {left: LEFT_W, right: RIGHT_W}
    LINE, PAD, DOWN = 15, 8, 30  # line height, padding inside a box, and the arrows' length down (pixels)
    rows = [
        [(left, f"Records identified (n\u00a0=\u00a0{flow.identified})", places),
         (right, "Duplicates removed before screening", ["not recorded"])],
        [(left, f"Records screened (n\u00a0=\u00a0{flow.screened})", []),
         (right, f"Records excluded (n\u00a0=\u00a0{flow.excluded_at_screening})", ["reasons in the table below"])],
        [(left, f"Reports sought for retrieval (n\u00a0=\u00a0{flow.sought})",
          [f"of which {flow.sought_further_reports} further reports of included sources"]),
         (right, f"Reports not retrieved (n\u00a0=\u00a0{flow.not_retrieved})",
          [f"title or citation only {flow.not_retrieved_title_or_citation}", f"not readable {flow.not_retrieved_unreadable}"])],
        [(left, f"Reports assessed for eligibility (n\u00a0=\u00a0{flow.assessed})", []),
         (right, f"Reports excluded (n\u00a0=\u00a0{flow.excluded_after_assessment})", [])],
        [(left, f"Studies included (n\u00a0=\u00a0{flow.studies_included})",
          [f"reports of these studies {flow.reports_of_studies}", f"other sources included {flow.other_included}"])],
        [(left, f"Objects of review (n\u00a0=\u00a0{flow.objects_of_review})", ["checked, not used as evidence"]),
         (right, f"Method references (n\u00a0=\u00a0{flow.method_references})", ["used to read the evidence"])],
    ]
    texts, boxes, tops, heights = [], [], [], []
    top = 0.0
    for number, row in enumerate(rows):
        set_rows = [(x, lines(title, width_of[x] - 2 * PAD, 12, bold=True), _packed(details, width_of[x] - 2 * PAD, 11))
                    for x, title, details in row]
        height = PAD * 2 + LINE * max(len(b) + len(p) for _, b, p in set_rows)
        apart = number == len(rows) - 1
        if apart:
            top += 16  # the sources kept apart stand lower, unconnected
        for x, bold_lines, plain_lines in set_rows:
            shown = len(bold_lines) + len(plain_lines)
            first = top + height / 2 - LINE * (shown - 1) / 2
            for i, line in enumerate(bold_lines + plain_lines):
                texts.append({"tx": x + width_of[x] / 2, "ty": first + LINE * i, "text": line, "bold": i < len(bold_lines)})
            boxes.append({"x": x, "x2": x + width_of[x], "y": top, "y2": top + height, "apart": apart})
        tops.append(top)
        heights.append(height)
        top += height + DOWN
    total = top - DOWN
    texts = pd.DataFrame(texts)
    boxes = pd.DataFrame(boxes)
    down = [(left + LEFT_W / 2, tops[r] + heights[r], left + LEFT_W / 2, tops[r + 1]) for r in range(4)]
    across = [(left + LEFT_W, tops[r] + heights[r] / 2, right, tops[r] + heights[r] / 2) for r in range(4)]
    arrows = pd.DataFrame([{"x": a, "y": b, "x2": c, "y2": d} for a, b, c, d in down + across])
    heads = pd.DataFrame([{"x": c, "y": d, "shape": "triangle-down"} for _, _, c, d in down]
                         + [{"x": c, "y": d, "shape": "triangle-right"} for _, _, c, d in across])
    sx = alt.Scale(domain=[0, right + RIGHT_W], nice=False, zero=False)
    sy = alt.Scale(domain=[0, total], reverse=True, nice=False, zero=False)
    X = lambda f: alt.X(f, scale=sx, axis=None)  # noqa: E731
    Y = lambda f: alt.Y(f, scale=sy, axis=None)  # noqa: E731
    rect = alt.Chart(boxes).mark_rect(stroke="#444", strokeWidth=1, cornerRadius=3).encode(
        x=X("x:Q"), x2="x2:Q", y=Y("y:Q"), y2="y2:Q",
        color=alt.condition(alt.datum.apart, alt.value("#f2f2f2"), alt.value("#e8f1f8")))
    bold = alt.Chart(texts[texts["bold"]]).mark_text(fontWeight="bold", fontSize=12).encode(
        x=X("tx:Q"), y=Y("ty:Q"), text="text:N")
    plain = alt.Chart(texts[~texts["bold"]]).mark_text(fontSize=11, color="#333").encode(
        x=X("tx:Q"), y=Y("ty:Q"), text="text:N")
    rules = alt.Chart(arrows).mark_rule(color="#444").encode(x=X("x:Q"), x2="x2:Q", y=Y("y:Q"), y2="y2:Q")
    tips = alt.Chart(heads).mark_point(filled=True, color="#444", size=60, opacity=1).encode(
        x=X("x:Q"), y=Y("y:Q"),
        shape=alt.Shape("shape:N", scale=alt.Scale(domain=["triangle-down", "triangle-right"],
                                                   range=["triangle-down", "triangle-right"]), legend=None))
    steps = flow.steps()
    return (rect + rules + tips + bold + plain).properties(
        width=right + RIGHT_W, height=int(round(total)),
        title=fit_title("How the sources were found and chosen (PRISMA 2020 flow)",
                        "Counted from the review's tables of sources, screening and records left out."),
        description="PRISMA 2020 flow diagram. " + "; ".join(
            f"{step}: {count}" for step, count in zip(steps["step"], steps["count"])) + ".",
    ).configure_view(stroke=None)


def icon_array_chart(frequencies: pd.DataFrame, per_row: int = 10) -> alt.VConcatChart:
    """Out of 100 people like those in the trial: one square per person, filled for a responder,
    drug and placebo side by side for each responder analysis (derived natural frequencies)."""
    cells = []
    for row in frequencies.itertuples():
        for arm in ("drug", "placebo"):
            responders = getattr(row, arm)
            for i in range(row.per):
                cells.append({"measure": row.measure, "arm": f"on {arm}", "col": i % per_row, "row": i // per_row,
                              "status": "responded" if i < responders else "did not respond",
                              "summary": f"{responders} of {row.per} on {arm} (derived; 95% interval "
                                         f"{getattr(row, arm + '_low')} to {getattr(row, arm + '_high')})"})
    frame = pd.DataFrame(cells)
    colour = alt.Color("status:N", title=None, scale=alt.Scale(domain=["responded", "did not respond"],
                                                               range=[PALETTE[0], "#d4d4d8"]))
    panels = []
    for measure, group in frame.groupby("measure", sort=False):
        grid = alt.Chart(group).mark_square(size=95, opacity=1).encode(
            x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None), color=colour,
            tooltip=[alt.Tooltip("arm:N", title="Arm"), alt.Tooltip("summary:N", title="Out of 100")],
        ).properties(width=150, height=150)
        panels.append(alt.hconcat(*[grid.transform_filter(alt.datum.arm == arm).properties(title=alt.Title(arm, fontSize=13))
                                    for arm in ("on drug", "on placebo")], spacing=24)
                      .properties(title=fit_title(measure, size=12)))
    description = "; ".join(f"{r.measure}: {r.drug} of {r.per} on drug and {r.placebo} of {r.per} on placebo responded"
                            for r in frequencies.itertuples())
    return alt.vconcat(*panels, spacing=16).properties(
        title=fit_title("Out of every 100 adolescents in SAGA, by the company's figures",
                        "Derived from company-reported percentages and counts derived from its p-values."),
        description=f"Icon arrays of derived natural frequencies in SAGA: {description}.",
    )
