"""Unit tests of the package's functions against values known independently of the code under test."""
from __future__ import annotations

import datetime as dt
import json
import math
import re

import altair as alt
import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from evidence.charts import development_timeline_chart, timeline_frame
from evidence.dates import partial_date_bounds
from evidence.glue import as_text
from evidence.stats import proportion_ci
from evidence.tables import cited_table, escape_markdown

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson_by_formula(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval written out from Wilson (1927), independent of scipy."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# --- statistics -------------------------------------------------------------------------------

@pytest.mark.parametrize("k, n", [(0, 10), (5, 10), (26, 46), (21, 50), (46, 46)])
def test_wilson_interval_equals_the_closed_form(k, n):
    result = proportion_ci(k, n, method="wilson")
    low, high = wilson_by_formula(k, n)
    assert result.low == pytest.approx(low, abs=1e-9)
    assert result.high == pytest.approx(high, abs=1e-9)
    assert result.estimate == k / n


@pytest.mark.parametrize("n", [5, 10, 30, 101])
def test_clopper_pearson_with_no_events_has_the_closed_form_upper_bound(n):
    """With 0 events in n, the exact upper bound is 1 - (alpha/2)^(1/n)."""
    result = proportion_ci(0, n, method="clopper-pearson")
    assert result.low == 0
    assert result.high == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-9)


def test_clopper_pearson_known_value():
    """5/10: the exact 95% interval is 0.1871 to 0.8129 (the tabulated value)."""
    result = proportion_ci(5, 10, method="clopper-pearson")
    assert (round(result.low, 4), round(result.high, 4)) == (0.1871, 0.8129)


@pytest.mark.parametrize("bad", [(11, 10), (-1, 10), (1, 0), (1.5, 10)])
def test_proportion_refuses_impossible_counts(bad):
    with pytest.raises(ValueError):
        proportion_ci(*bad)


def test_proportion_refuses_the_wald_interval():
    with pytest.raises(ValueError, match="unknown interval method"):
        proportion_ci(3, 10, method="wald")


# --- dates ------------------------------------------------------------------------------------

def test_partial_dates_cover_the_period_they_name():
    assert partial_date_bounds("2015") == (dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    assert partial_date_bounds("2016-02") == (dt.date(2016, 2, 1), dt.date(2016, 2, 29))
    assert partial_date_bounds("2018-12") == (dt.date(2018, 12, 1), dt.date(2018, 12, 31))
    assert partial_date_bounds("2019-06-01") == (dt.date(2019, 6, 1), dt.date(2019, 6, 1))


@pytest.mark.parametrize("bad", ["2016-13", "2019-02-30", "2019-1-2-3", "soon"])
def test_impossible_partial_dates_raise(bad):
    with pytest.raises(ValueError):
        partial_date_bounds(bad)


# --- glue and tables --------------------------------------------------------------------------

def test_glued_text_has_no_numpy_wrapper():
    assert as_text(np.float64(25.2)) == "25.2"
    assert as_text(np.int64(1894)) == "1,894"
    assert as_text(pd.array([30], dtype="Int64")[0]) == "30"
    assert as_text("NCT02286817") == "NCT02286817"
    with pytest.raises(ValueError):
        as_text(pd.NA)


def test_escaped_cells_cannot_become_markup():
    hostile = "<script>alert(1)</script> {cite}`x` [link](http://example.org)"
    escaped = escape_markdown(hostile)
    assert "<script>" not in escaped and "{cite}`" not in escaped and "](" not in escaped
    assert re.sub(r"\\(.)", r"\1", escaped) == hostile


def test_cited_table_has_a_row_per_record_and_the_source_column():
    frame = pd.DataFrame({"name": ["NS-105", "NFC-1"], "note": [pd.NA, "x"],
                          "source": ["ogasawara1999", "medgenics2015"], "locator": ["abstract", "headline"],
                          "source_kind": ["peer-reviewed", "company-statement"]})
    lines = cited_table(frame, {"name": "Name", "note": "Note"}).strip().splitlines()
    assert len(lines) == 2 + len(frame)
    assert "{cite:p}`ogasawara1999`, abstract; peer\\-reviewed" in lines[2]
    assert "*not reported in the sources reviewed*" in lines[2]
    assert "company statement" in lines[3]


def test_citation_refuses_a_key_that_is_not_an_identifier():
    frame = pd.DataFrame({"name": ["x"], "source": ["bad`key"], "locator": ["a"], "source_kind": ["tertiary"]})
    with pytest.raises(ValueError, match="not a bibliography key"):
        cited_table(frame, {"name": "Name"})


# --- charts -----------------------------------------------------------------------------------

EVENTS = pd.DataFrame({
    "event_id": ["A", "B", "C"], "label": ["year only", "span", "undated"],
    "category": ["publication", "clinical study", "company"],
    "start": pd.array(["1999", "2015-01", pd.NA], dtype="string"),
    "end": pd.array([pd.NA, "2016-03", pd.NA], dtype="string"),
    "n": pd.array([pd.NA, 30, pd.NA], dtype="Int64"), "n_basis": pd.array([pd.NA, "enrolled", pd.NA], dtype="string"),
    "source": ["s1", "s2", "s3"], "source_kind": ["peer-reviewed", "registry", "company-statement"],
})


def test_timeline_places_partial_dates_at_their_start_and_drops_undated_events():
    frame = timeline_frame(EVENTS)
    assert list(frame["event_id"]) == ["A", "B"]
    assert list(frame["start_date"]) == [pd.Timestamp("1999-01-01"), pd.Timestamp("2015-01-01")]
    assert list(frame["precision"]) == ["year", "month"]
    assert frame.loc[1, "end_date"] == pd.Timestamp("2016-03-01")
    assert list(frame["n_text"]) == ["not reported", "30 (enrolled)"]


def test_timeline_chart_describes_every_dated_event_for_screen_readers():
    spec = development_timeline_chart(EVENTS).to_dict()
    assert spec["description"].startswith("Timeline of fasoracetam's development from 1999 to 2015, 2 dated events")
    assert "year only" in spec["description"] and "undated" not in spec["description"]


def test_the_theme_is_enabled_with_the_colour_blind_safe_palette():
    assert alt.theme.active == "evidence"
    spec = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x").to_dict()
    assert spec["config"]["range"]["category"][:3] == ["#0072B2", "#E69F00", "#009E73"]


# --- vendored Vega ----------------------------------------------------------------------------

VENDOR = ROOT / "_static" / "vendor"


def test_vendored_vega_lite_is_the_version_altair_asks_for():
    manifest = json.loads((VENDOR / "vega-versions.json").read_text(encoding="utf-8"))
    bundle = (VENDOR / "vega-bundle.js").read_text(encoding="utf-8")
    assert manifest["resolved"]["vega-lite"] == alt.VEGALITE_VERSION == alt.SCHEMA_VERSION.lstrip("v")
    assert manifest["resolved"]["vega"].split(".")[0] == alt.VEGA_VERSION.split(".")[0]
    assert manifest["resolved"]["vega-embed"].split(".")[0] == alt.VEGAEMBED_VERSION.split(".")[0]
    headers = dict(re.findall(r"^/\* (vega(?:-lite|-embed)?)@([0-9.]+) ", bundle, re.MULTILINE))
    assert headers == manifest["resolved"], "the bundle's contents differ from its manifest"
    debug = json.loads(re.search(r"window\.VEGA_DEBUG = Object\.assign\(window\.VEGA_DEBUG \|\| \{\}, (\{.*\})\);",
                                 bundle).group(1))
    assert debug == {"vega_version": alt.VEGA_VERSION, "vegalite_version": alt.VEGALITE_VERSION,
                     "vegaembed_version": alt.VEGAEMBED_VERSION}
    assert "sourceMappingURL" not in bundle
