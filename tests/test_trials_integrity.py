"""The trials chapter's words checked against its data: scale anchors, the counts that reproduce the
company's p-values, the harms row, risk-of-bias tools, who paid, and the derived labels.

Every expected value is computed here from the data tables, independently of the chapter's code
where it can be; nothing is copied from the page into the test.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, built_page, cell_text, text_glue_references
from evidence.data import load_table
from evidence.stats import printed_decimals, rounds_to_printed, two_proportion_p
from evidence.trials import (CANDIDATE_STAGES, counts_from_p_values, flow_difference, nearest_scale_point,
                             p_value_search, response_rates)

CHAPTER = ROOT / "chapters" / "adhd-trials.md"


# --- helpers ---------------------------------------------------------------------------------

def _page(html_root: Path) -> BeautifulSoup:
    return built_page(html_root / "chapters" / "adhd-trials.html")


def _shown(html_root: Path) -> dict[str, str]:
    keys = text_glue_references(CHAPTER.read_text(encoding="utf-8"))
    spans = [s.get_text() for s in _page(html_root).select("span.pasted-text")]
    assert len(keys) == len(spans), "the page shows a different number of glued values than the chapter uses"
    return dict(zip(keys, spans))


def _prose(text: str) -> str:
    """The chapter's hand-written prose: code cells, glue roles, citations and directives removed."""
    text = re.sub(r"```\{code-cell\}.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"```\{glue:figure\}[^\n]*\n", " ", text)
    text = re.sub(r"\{(glue:text|cite:p|numref)\}`[^`]*`", " ", text)
    return " ".join(text.split())


def _nearest_by_hand(scales: pd.DataFrame, scale: str, value: float) -> str:
    points = scales[scales["scale"] == scale]
    best = min(points.itertuples(index=False), key=lambda r: abs(r.point - value))
    return f"{best.point} ({best.label})"


def _great_mean(outcomes: pd.DataFrame, measure: str, timepoint: str) -> float:
    row = outcomes[(outcomes["study_id"] == "great") & (outcomes["measure"] == measure)
                   & (outcomes["timepoint"] == timepoint) & (outcomes["statistic"] == "mean")]
    assert len(row) == 1
    return float(row.iloc[0]["value"])


# --- guard: no hand-typed meaning of a number --------------------------------------------------

#: Words that say what a number means; in this chapter they must come from the data (glued).
MEANING_PATTERNS = [
    r"\babout (a|an|one|two|three|four|half)\b", r"\ba quarter\b", r"\ba third\b", r"\bclose to no effect\b",
    r"\bwide\b", r"\bnarrow\b", r"\b\d+ times (as|the)\b", r"\bone in \d+", r"\bmore than \d", r"\bless than \d",
    r"\bknew\b",
]


def test_the_prose_types_no_scale_anchor_and_no_meaning_of_a_number_by_hand():
    prose = _prose(CHAPTER.read_text(encoding="utf-8")).lower()
    for label in load_table("scales")["label"]:
        assert str(label).lower() not in prose, f"the scale anchor {label!r} is typed in the prose; glue it from the data"
    for pattern in MEANING_PATTERNS:
        hit = re.search(pattern, prose)
        assert not hit, f"hand-typed meaning of a number in the prose: {prose[max(0, hit.start() - 60):hit.end() + 60]!r}"


def test_no_risk_of_bias_reason_relies_on_the_direction_of_a_result_or_a_quarter_typed_by_hand():
    for _, row in load_table("bias").iterrows():
        reason = row["reason"].lower()
        for phrase in ("null", "was negative", "was positive", "because the result", "a quarter", "about a"):
            assert phrase not in reason, f"bias.csv {row['result_id']} {row['domain']}: {row['reason']!r}"


# --- finding: CGI anchors -----------------------------------------------------------------------

def test_nearest_scale_point_picks_the_closest_point_and_says_when_two_tie():
    scales = pd.DataFrame({"scale": ["X"] * 7, "point": range(1, 8), "label": [f"p{i}" for i in range(1, 8)]})
    assert nearest_scale_point(scales, "X", 4.83)["text"] == "5 (p5)"
    assert nearest_scale_point(scales, "X", 3.86)["text"] == "4 (p4)"
    assert nearest_scale_point(scales, "X", 4.5)["text"] == "half-way between 4 (p4) and 5 (p5)"
    with pytest.raises(ValueError):
        nearest_scale_point(scales, "X", 7.5)


def test_the_anchor_words_would_change_if_the_value_changed():
    scales = load_table("scales")
    outcomes = load_table("outcomes")
    value = _great_mean(outcomes, "CGI-S", "baseline")
    here = nearest_scale_point(scales, "CGI-S", value)["text"]
    moved = nearest_scale_point(scales, "CGI-S", value - 1)["text"]
    assert here != moved
    assert moved == _nearest_by_hand(scales, "CGI-S", value - 1)


def test_glued_anchors_equal_the_scale_point_nearest_each_mean(built_book):
    shown = _shown(built_book)
    scales, outcomes = load_table("scales"), load_table("outcomes")
    for scale in ("CGI-S", "CGI-I"):
        key = scale.lower().replace("-", "_")
        for timepoint, suffix in (("baseline", "baseline"), ("week 5", "week5")):
            expected = _nearest_by_hand(scales, scale, _great_mean(outcomes, scale, timepoint))
            assert shown[f"great_{key}_{suffix}_nearest"] == expected


# --- finding: SAGA counts from the p-values -----------------------------------------------------

def _pearson_by_formula(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-proportion z-test with pooled variance, from its formula (equals Pearson's chi-square)."""
    p1, p2, pooled = k1 / n1, k2 / n2, (k1 + k2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def _fisher_by_formula(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided Fisher exact p: the hypergeometric probabilities no larger than the observed one."""
    total, events = n1 + n2, k1 + k2

    def prob(a):
        return math.comb(n1, a) * math.comb(n2, events - a) / math.comb(total, events)

    observed = prob(k1)
    return sum(prob(a) for a in range(max(0, events - n2), min(n1, events) + 1) if prob(a) <= observed * (1 + 1e-7))


@pytest.mark.parametrize("table", [(32, 46, 21, 50), (26, 46, 16, 50), (3, 10, 8, 12)])
def test_two_proportion_tests_agree_with_their_formulas(table):
    assert two_proportion_p(*table, "pearson") == pytest.approx(_pearson_by_formula(*table), rel=1e-9)
    assert two_proportion_p(*table, "fisher") == pytest.approx(_fisher_by_formula(*table), rel=1e-9)
    assert two_proportion_p(*table, "yates") > two_proportion_p(*table, "pearson")


def test_rounding_to_the_printed_precision():
    assert printed_decimals("0.0067") == 4 and printed_decimals("70") == 0
    assert rounds_to_printed(0.006663, "0.0067") and rounds_to_printed(0.015541, "0.0155")
    assert not rounds_to_printed(0.015266, "0.0155") and not rounds_to_printed(0.00518, "0.0067")


def _candidates(percent: float, n: int) -> set[int]:
    return {c for c in (math.floor(percent * n / 100), math.ceil(percent * n / 100)) if 0 <= c <= n}


def test_derived_counts_reproduce_the_reported_p_and_no_other_candidate_does():
    outcomes, enrollment = load_table("outcomes"), load_table("enrollment")
    flow = enrollment.set_index(["study_id", "arm", "stage"])["n"]
    rates = response_rates(outcomes, enrollment)
    by_p = rates[rates["derivation"] == "p-value"]
    assert len(by_p) >= 2, "no count was derived from a p-value"
    for (study, measure, analysis), group in by_p.groupby(["study_id", "measure", "analysis"]):
        arms = group.set_index("arm")
        p_row = outcomes[(outcomes["study_id"] == study) & (outcomes["measure"] == measure)
                         & (outcomes["analysis"] == analysis) & (outcomes["statistic"] == "p-value")].iloc[0]
        printed = f"{float(p_row['value']):g}"
        k1, n1 = int(arms.loc["drug", "count"]), int(arms.loc["drug", "total"])
        k2, n2 = int(arms.loc["placebo", "count"]), int(arms.loc["placebo", "total"])
        assert rounds_to_printed(_pearson_by_formula(k1, n1, k2, n2), printed) or \
            rounds_to_printed(_fisher_by_formula(k1, n1, k2, n2), printed) or \
            rounds_to_printed(two_proportion_p(k1, n1, k2, n2, "yates"), printed), (measure, k1, n1, k2, n2)
        pct = {arm: float(arms.loc[arm, "percent"]) for arm in ("drug", "placebo")}
        others = []
        for stage in CANDIDATE_STAGES:
            m1, m2 = int(flow[(study, "drug", stage)]), int(flow[(study, "placebo", stage)])
            for a in _candidates(pct["drug"], m1):
                for b in _candidates(pct["placebo"], m2):
                    if (a, m1, b, m2) != (k1, n1, k2, n2) and any(
                            rounds_to_printed(two_proportion_p(a, m1, b, m2, t), printed)
                            for t in ("pearson", "yates", "fisher")):
                        others.append((stage, a, b))
        assert not others, f"{measure}: other candidate counts also reproduce p = {printed}: {others}"


def test_a_different_reported_p_changes_the_derived_counts_or_falls_back_with_a_warning():
    outcomes, enrollment = load_table("outcomes"), load_table("enrollment")
    cgi = outcomes["measure"].str.startswith("CGI-I 1 or 2") & (outcomes["statistic"] == "p-value")
    before = response_rates(outcomes, enrollment)
    changed = outcomes.copy()
    changed.loc[cgi, "value"] = 0.0153  # what 27 of 46 against 17 of 50 gives by the chi-square test
    after = response_rates(changed, enrollment)
    mask = before["measure"].str.startswith("CGI-I 1 or 2")
    assert list(after.loc[mask, "count"]) != list(before.loc[mask, "count"])
    nothing = outcomes.copy()
    nothing.loc[cgi, "value"] = 0.0001
    fallback = response_rates(nothing, enrollment)
    assert set(fallback.loc[mask, "derivation"]) == {"percentage"}
    assert all("no candidate count reproduces the reported p-value" in r for r in fallback.loc[mask, "rule"])


def test_the_page_shows_the_counts_the_p_value_search_decides(built_book):
    shown = _shown(built_book)
    outcomes, enrollment = load_table("outcomes"), load_table("enrollment")
    chosen = counts_from_p_values(p_value_search(outcomes, enrollment))
    for key, analysis in (("rs", "prespecified responder"), ("cgi", "key secondary")):
        d = next(v for (s, m, a), v in chosen.items() if a == analysis)
        assert shown[f"saga_{key}_drug_count"] == f"{d['drug_count']} of {d['drug_total']}"
        assert shown[f"saga_{key}_placebo_count"] == f"{d['placebo_count']} of {d['placebo_total']}"
        assert f"{d['drug_count']} of {d['drug_total']} against {d['placebo_count']} of {d['placebo_total']}" \
            in shown[f"saga_{key}_p_finding"]
    text = " ".join(_page(built_book).get_text(" ").split())
    assert "denominator was therefore not the registry" not in text


# --- finding: harms row -------------------------------------------------------------------------

def test_summary_of_findings_has_the_non_completion_row_with_the_flow_counts(built_book):
    certainty, enrollment = load_table("certainty"), load_table("enrollment")
    flow = enrollment.set_index(["study_id", "arm", "stage"])["n"]
    row = certainty[certainty["outcome_key"] == "saga_not_completed"]
    assert len(row) == 1, "no harms or acceptability row in certainty.csv"
    stopped = {arm: (int(flow[("saga", arm, "not completed")]), int(flow[("saga", arm, "started")]))
               for arm in ("drug", "placebo")}
    rows = [[cell_text(td) for td in tr.select("td")] for tr in _page(built_book).select("table tr")]
    sof = [r for r in rows if r and r[0] == " ".join(row.iloc[0]["outcome"].split())]
    assert len(sof) == 1, "the harms row is not in the summary of findings on the page"
    effect = sof[0][3]
    for arm, (k, n) in stopped.items():
        assert f"{k} of {n} on {arm}" in effect
    assert "derived" in effect and "reasons for stopping not reported" in effect
    d = flow_difference(enrollment, "saga", "not completed", "started")
    assert f"{d['rd_low']:.1f} to {d['rd_high']:.1f}" in effect
    # the reason's words ("includes both fewer and more non-completion on drug") must hold for the data
    if "both fewer and more" in row.iloc[0]["reasons"]:
        assert d["rd_low"] < 0 < d["rd_high"]
    assert row.iloc[0]["certainty"] == "very low" or "both fewer and more" not in row.iloc[0]["reasons"]


def test_the_unread_adverse_event_tables_are_named():
    prose = _prose(CHAPTER.read_text(encoding="utf-8"))
    assert "adverse-event tables" in prose and "22q11.2" in prose and "could not be read" in prose


# --- finding: who paid, and risk of bias ----------------------------------------------------------

def test_who_paid_section_shows_every_statement_with_its_kind(built_book):
    page = _page(built_book)
    text = " ".join(page.get_text(" ").translate(str.maketrans("“”‘’", "\"\"''")).split())
    assert "Who developed, ran and paid for the trials" in text
    kinds = {"peer-reviewed": "peer-reviewed", "registry": "trial registry", "company-statement": "company statement",
             "tertiary": "tertiary", "regulator": "regulator"}
    for _, row in load_table("interests").iterrows():
        statement = " ".join(row["statement"].split())
        assert statement in text, f"interests.csv {row['statement_id']} is not on the page"
        cell = text[text.index(statement):text.index(statement) + len(statement) + 300]
        assert kinds[row["source_kind"]] in cell, f"{row['statement_id']}: its kind of source is not shown beside it"


def test_risk_of_bias_tools_match_the_designs(built_book):
    facts = load_table("study_facts")
    allocation = facts[facts["field"] == "allocation"].set_index("study_id")["value"]
    bias = load_table("bias")
    for study in bias["study_id"].unique():
        assert str(allocation.get(study, "")).startswith("randomized"), \
            f"{study} is rated on RoB 2 domains but its allocation is {allocation.get(study)!r}"
    results = bias.drop_duplicates("result_id")
    saga = results[results["study_id"] == "saga"]["result"].str.lower()
    assert any("cgi-i" in r and "adhd-rs" not in r for r in saga) and any("adhd-rs ≥30%" in r and "cgi" not in r for r in saga), \
        "SAGA's two responder analyses must be judged as separate results"
    prepost = load_table("prepost_quality")
    assert set(prepost["study_id"]) == {"great"} and "great" not in set(bias["study_id"])
    text = " ".join(_page(built_book).get_text(" ").translate(str.maketrans("“”‘’", "\"\"''")).split())
    assert "before-after (pre-post) studies with no control group" in text
    for reason in prepost["reason"]:
        assert " ".join(reason.split()) in text


# --- guard: computed numbers are labelled derived where they appear -------------------------------

DERIVED_KEYS = ["great_cgi_s_change", "great_cgi_s_baseline_nearest", "saga_rs_rd", "saga_rs_rd_ci", "saga_rs_nnt",
                "saga_cgi_rd", "saga_cgi_rd_ci", "saga_cgi_nnt", "saga_rs_rd_width", "saga_stopped_rd",
                "saga_stopped_rd_ci", "saga_rs_p_finding", "dose_max_per_day"]


def test_every_computed_number_is_labelled_derived_in_its_paragraph(built_book):
    keys = text_glue_references(CHAPTER.read_text(encoding="utf-8"))
    spans = _page(built_book).select("span.pasted-text")
    for key in DERIVED_KEYS:
        assert key in keys, f"{key} is no longer glued in the chapter"
        span = spans[keys.index(key)]
        block = span.find_parent(["p", "li"])
        assert block is not None and "derived" in block.get_text(" ").lower(), \
            f"{key} ({span.get_text()!r}) appears in a paragraph that does not say it is derived"
