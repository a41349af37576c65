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
from bookview.charts import development_timeline_chart, timeline_frame
from evidence.dates import partial_date_bounds
from bookview.glue import as_text
from evidence.stats import proportion_ci
from bookview.tables import cited_table, escape_markdown

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


def test_vendored_vega_is_what_the_installed_vl_convert_bundles_for_altairs_vega_lite():
    """The bundle charts.js loads is vl-convert's, for Altair's Vega-Lite version: regenerated here,
    it is the same file (after upgrading Altair or vl-convert-python, run `make vendor`)."""
    from bookbuild import vendor_vega

    manifest = json.loads((VENDOR / "vega-versions.json").read_text(encoding="utf-8"))
    assert manifest == vendor_vega.versions(), "the vendored Vega is from other versions: run `make vendor`"
    assert manifest["vega-lite"] == alt.VEGALITE_VERSION == alt.SCHEMA_VERSION.lstrip("v")
    assert manifest["vega"].split(".")[0] == alt.VEGA_VERSION.split(".")[0]
    assert manifest["vega-embed"].split(".")[0] == alt.VEGAEMBED_VERSION.split(".")[0]
    bundle = (VENDOR / "vega-bundle.js").read_text(encoding="utf-8")
    assert bundle == vendor_vega.bundle(), "the vendored Vega differs from vl-convert's bundle: run `make vendor`"
    assert f'"{alt.SCHEMA_VERSION.lstrip("v")}"' in bundle, "the bundle holds another Vega-Lite than Altair's"
    assert "sourceMappingURL" not in bundle


# --- derived counts, risk differences, NNT ----------------------------------------------------

from evidence.stats import count_from_percent, number_needed_to_treat, risk_difference_ci  # noqa: E402


def test_count_from_percent_rebuilds_counts_that_round_back():
    derived = count_from_percent(70, 46)
    assert (derived.count, derived.reproduces) == (32, True)
    assert derived.rule.startswith("70% of 46 = 32.2")


def test_count_from_percent_flags_a_percentage_no_count_can_give():
    """33% of 50 is 16.5: 16/50 is 32% and 17/50 is 34%, so neither rounds to 33%."""
    lower, higher = count_from_percent(33, 50, prefer="lower"), count_from_percent(33, 50, prefer="higher")
    assert (lower.count, higher.count) == (16, 17)
    assert lower.alternatives == higher.alternatives == (16, 17)
    assert not lower.reproduces and not higher.reproduces
    assert "does not round to 33%" in higher.rule


def test_newcombe_interval_equals_newcombes_published_example():
    """Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 - 48/80, method 10,
    95% interval 0.0524 to 0.3339."""
    rd = risk_difference_ci(56, 70, 48, 80)
    assert rd.difference == pytest.approx(0.2)
    assert (round(rd.low, 4), round(rd.high, 4)) == (0.0524, 0.3339)
    assert rd.excludes_zero


def test_newcombe_interval_is_built_from_the_two_wilson_intervals():
    """Method 10 by its definition: d - sqrt((p1-l1)^2 + (u2-p2)^2), d + sqrt((u1-p1)^2 + (p2-l2)^2)."""
    k1, n1, k2, n2 = 26, 46, 17, 50
    l1, u1 = wilson_by_formula(k1, n1)
    l2, u2 = wilson_by_formula(k2, n2)
    p1, p2 = k1 / n1, k2 / n2
    rd = risk_difference_ci(k1, n1, k2, n2)
    assert rd.low == pytest.approx(p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), abs=1e-9)
    assert rd.high == pytest.approx(p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2), abs=1e-9)


def test_number_needed_to_treat_inverts_the_interval():
    rd = risk_difference_ci(56, 70, 48, 80)
    nnt = number_needed_to_treat(rd)
    assert nnt.estimate == pytest.approx(5)
    assert nnt.low == pytest.approx(1 / rd.high) and nnt.high == pytest.approx(1 / rd.low)


def test_no_number_needed_to_treat_when_the_interval_crosses_zero():
    assert number_needed_to_treat(risk_difference_ci(5, 10, 4, 10)) is None


# --- trial frames ------------------------------------------------------------------------------

from evidence.trials import dose_steps, drug_vs_placebo, response_rates, study_size  # noqa: E402


def _frame(rows, **dtypes):
    frame = pd.DataFrame(rows)
    return frame.astype(dtypes) if dtypes else frame


ENROLLMENT = _frame([
    {"study_id": "t", "arm": "drug", "stage": "modified intention-to-treat", "n": 40},
    {"study_id": "t", "arm": "placebo", "stage": "modified intention-to-treat", "n": 50},
    {"study_id": "t", "arm": "drug", "stage": "started", "n": 44},
    {"study_id": "t", "arm": "placebo", "stage": "started", "n": 52},
    {"study_id": "u", "arm": "all", "stage": "planned", "n": 64},
    {"study_id": "v", "arm": "all", "stage": "enrolled", "n": 30},
    {"study_id": "v", "arm": "all", "stage": "target", "n": 32},
])
OUTCOMES = _frame([
    {"outcome_id": "O1", "study_id": "t", "measure": "m", "analysis": "key secondary", "arm": "drug",
     "statistic": "percent", "value": 50.0, "denominator_stage": "modified intention-to-treat", "source": "s"},
    {"outcome_id": "O2", "study_id": "t", "measure": "m", "analysis": "key secondary", "arm": "placebo",
     "statistic": "percent", "value": 33.0, "denominator_stage": "modified intention-to-treat", "source": "s"},
    {"outcome_id": "O3", "study_id": "t", "measure": "m", "analysis": "post hoc", "arm": "drug",
     "statistic": "percent", "value": 90.0, "denominator_stage": pd.NA, "source": "s"},
])


def test_study_size_prefers_enrolled_then_started_then_target_then_planned():
    sizes = study_size(ENROLLMENT).set_index("study_id")
    assert (sizes.loc["t", "n"], sizes.loc["t", "n_basis"]) == (96, "started")
    assert (sizes.loc["u", "n"], sizes.loc["u", "n_basis"]) == (64, "planned")
    assert (sizes.loc["v", "n"], sizes.loc["v", "n_basis"]) == (30, "enrolled")


def test_response_rates_derive_counts_against_the_drug_and_skip_rows_without_denominator():
    rates = response_rates(OUTCOMES, ENROLLMENT).set_index("outcome_id")
    assert (rates.loc["O1", "count"], rates.loc["O1", "total"]) == (20, 40)
    assert rates.loc["O2", "count"] == 17  # 16.5 of 50: the placebo count least favourable to the drug
    assert not rates.loc["O2", "reproduces"]
    low, high = wilson_by_formula(20, 40)
    assert rates.loc["O1", "low"] == pytest.approx(100 * low) and rates.loc["O1", "high"] == pytest.approx(100 * high)
    assert pd.isna(rates.loc["O3", "count"]) and pd.isna(rates.loc["O3", "low"])
    effects = drug_vs_placebo(rates.reset_index())
    assert len(effects) == 1
    assert effects.loc[0, "rd"] == pytest.approx(100 * (20 / 40 - 17 / 50))
    assert pd.isna(effects.loc[0, "nnt"])  # 16 points, but the interval crosses zero


def test_dose_steps_derive_mg_per_day_and_keep_unknowns_missing():
    doses = _frame([
        {"study_id": "t", "week_from": 1, "week_to": 1, "phase": "placebo lead-in", "mg_low": 0.0, "mg_high": 0.0,
         "times_per_day": pd.NA, "rule": "r", "source": "s", "locator": "l", "source_kind": "k", "note": pd.NA},
        {"study_id": "t", "week_from": 2, "week_to": 5, "phase": "titration", "mg_low": pd.NA, "mg_high": 400.0,
         "times_per_day": 2, "rule": "r", "source": "s", "locator": "l", "source_kind": "k", "note": pd.NA},
    ])
    doses["mg_low"] = doses["mg_low"].astype("Float64")
    doses["times_per_day"] = doses["times_per_day"].astype("Int64")
    steps = dose_steps(doses).set_index(["phase", "unit"])
    titration_day = steps.loc[("titration", "mg per day")]
    assert titration_day["high"] == 800 and pd.isna(titration_day["low"]) and titration_day["derived"]
    assert (titration_day["x0"], titration_day["x1"]) == (1.5, 5.5)
    assert steps.loc[("placebo lead-in", "mg per day"), "high"] == 0
    assert steps.loc[("titration", "mg per administration"), "dose_text"] == "up to 400 mg per administration (steps not reported)"


# --- pharmacology -------------------------------------------------------------------------------

from evidence.data import load_table  # noqa: E402
from evidence.pharmacology import (accumulation_ratio, concentration_profile, human_equivalent_dose,  # noqa: E402
                                   profile_summary)
from evidence.stats import zero_event_upper_bound  # noqa: E402


@pytest.mark.parametrize("half_life, tau", [(0.67, 12), (2.1, 12), (6.5, 12), (4, 8)])
def test_accumulation_ratio_is_the_closed_form(half_life, tau):
    k = math.log(2) / half_life
    assert accumulation_ratio(half_life, tau) == pytest.approx(1 / (1 - math.exp(-k * tau)), rel=1e-12)


def test_model_approaches_the_closed_form_at_steady_state():
    """With near-instant absorption, the steady-state peak is 1/(1-e^(-k tau)) times the first
    and the trough is that times e^(-k tau) (the intravenous-bolus limit)."""
    half_life, tau = 6.5, 12
    k = math.log(2) / half_life
    profile = concentration_profile(half_life, tau, doses=40, step_h=0.01, absorption_rate=400)
    summary = profile_summary(profile, tau)
    ratio = 1 / (1 - math.exp(-k * tau))
    assert summary["last_peak"] == pytest.approx(ratio, rel=0.01)
    assert summary["last_trough"] == pytest.approx(ratio * math.exp(-k * tau), rel=0.01)


def test_the_first_peak_is_one_and_falls_at_the_bateman_peak_time():
    half_life, ka = 2.1, 2.0
    k = math.log(2) / half_life
    profile = concentration_profile(half_life, 12, doses=1, step_h=0.001, absorption_rate=ka)
    peak = profile.loc[profile["relative"].idxmax()]
    assert peak["relative"] == pytest.approx(1, abs=1e-6)
    assert peak["hour"] == pytest.approx(math.log(ka / k) / (ka - k), abs=0.002)


def test_human_equivalent_dose_matches_the_guidance_conversion_factors():
    """The FDA (2005) table, as the NovoPro page reproduces it (the guidance itself could not be
    read), divides an animal mg/kg dose by 6.2 (rat), 1.8 (dog) and 3.1 (monkey) to get the human
    mg/kg dose; the book's Km factors must reproduce those divisors."""
    km = load_table("km_factors").set_index("species")["km"]
    for species, divisor in [("rat", 6.2), ("dog", 1.8), ("monkey", 3.1)]:
        hed = human_equivalent_dose(1.0, float(km[species]), float(km["human adult"]))
        assert 1 / hed == pytest.approx(divisor, abs=0.06), species
    assert human_equivalent_dose(10, 6, 37) == pytest.approx(60 / 37)


@pytest.mark.parametrize("n", [30, 47, 300])
def test_zero_event_bound_is_exact_and_close_to_the_rule_of_three(n):
    assert zero_event_upper_bound(n) == pytest.approx(1 - 0.05 ** (1 / n), rel=1e-9)
    assert zero_event_upper_bound(n) == pytest.approx(3 / n, rel=0.1)
