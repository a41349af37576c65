"""Guards for doses, units, ratios and counts on the dosing, side-effects and mechanisms pages.

Every dose carries its unit basis (per administration or per day) and how often it was given; a
daily figure exists only where the source gives one or says how many times a day (then it is
labelled derived); ratios compare like units only; the animal dose converted to a human
equivalent is not drawn among the doses people were given; the mechanism papers are counted
apart from their findings; and the words glued around the numbers follow the data. Expected
values are recomputed here from the tables, not copied from the package.
"""
from __future__ import annotations

import copy

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, built_page, cell_text, text_glue_references
from evidence.data import load_table
from evidence.pharmacology import PER_ADMINISTRATION, PER_DAY, dose_ratio, dose_units


# --- helpers ------------------------------------------------------------------------------------

def _soup(built_book: Path, chapter: str) -> BeautifulSoup:
    return built_page(built_book / "chapters" / f"{chapter}.html")


def _prose(built_book: Path, chapter: str) -> str:
    """The page's text as a reader sees it, without the (hidden) code of the cells."""
    page = _soup(built_book, chapter)
    main = copy.copy(page.find("main") or page.find("body"))
    for cell in main.select(".cell_input, .evidence-chart, script"):  # code, and charts' own text
        cell.decompose()
    return " ".join(main.get_text(" ").split()).translate(str.maketrans("“”‘’", "\"\"''"))


def _shown(built_book: Path, chapter: str) -> dict[str, str]:
    keys = text_glue_references((ROOT / "chapters" / f"{chapter}.md").read_text(encoding="utf-8"))
    spans = [s.get_text() for s in _soup(built_book, chapter).select("span.pasted-text")]
    return dict(zip(keys, spans))


def _chart_specs(built_book: Path, chapter: str) -> list[dict]:
    """The Vega-Lite specifications of the page's charts (the JSON beside each chart)."""
    return [json.loads(script.string) for script in _soup(built_book, chapter).select("script.evidence-chart-spec")]


def _title(spec: dict) -> str:
    title = spec.get("title", "")
    return title.get("text", "") if isinstance(title, dict) else title


def _two_figures(value: float) -> str:
    return f"{float(f'{value:.2g}'):g}"


def _landscape(built_book: Path) -> dict:
    specs = [s for s in _chart_specs(built_book, "dosing") if "Doses in the popular pages" in _title(s)]
    assert len(specs) == 1, "the dose landscape chart is not on the dosing page"
    return specs[0]


# --- 1. every dose carries its unit basis and frequency ------------------------------------------

def test_every_dose_row_has_a_unit_basis_and_a_frequency():
    doses = load_table("dose_reports")
    for row in doses.itertuples():
        assert row.per in ("administration", "day"), f"dose {row.dose_id}: no unit basis"
        assert row.frequency in ("single dose", "times a day", "not stated"), f"dose {row.dose_id}: no frequency"
        has_times = pd.notna(row.times_low) and pd.notna(row.times_high)
        assert has_times == (row.frequency == "times a day"), f"dose {row.dose_id}: times a day given without the frequency, or the reverse"
        if row.frequency == "single dose":
            assert row.per == "administration", f"dose {row.dose_id}: a single dose cannot be per day"
    units = dose_units(doses).set_index("dose_id")
    for row in doses.itertuples():
        shown = units.loc[row.dose_id]
        daily_allowed = row.per == "day" or row.frequency == "times a day"
        assert pd.notna(shown["day_high"]) == (daily_allowed and pd.isna(row.mg_per_kg)), \
            f"dose {row.dose_id}: a daily figure without a frequency, or a frequency without one"
        assert bool(shown["day_derived"]) == (row.per == "administration" and pd.notna(shown["day_high"])), \
            f"dose {row.dose_id}: a daily figure built from a dose per administration must be labelled derived"


def test_the_dose_table_on_the_page_says_basis_frequency_and_derived(built_book):
    doses = load_table("dose_reports")
    page = _soup(built_book, "dosing")
    tables = [t for t in page.select("table") if "Amount and how often" in t.get_text()]
    assert len(tables) == 1, "the table of every dose is not on the page"
    rows = [[cell_text(td) for td in tr.select("td")] for tr in tables[0].select("tbody tr")]
    assert len(rows) == len(doses)
    for (_, dose), cells in zip(doses.iterrows(), rows):
        amount = cells[2]
        unit = "mg/kg per administration" if pd.notna(dose["mg_per_kg"]) else f"mg per {dose['per']}"
        assert unit in amount, f"dose {dose['dose_id']}: {amount!r} does not say {unit!r}"
        assert any(word in amount for word in ("single dose", "a day", "how often not stated")), \
            f"dose {dose['dose_id']}: {amount!r} does not say how often"
        derives = dose["per"] == "administration" and dose["frequency"] == "times a day" and pd.isna(dose["mg_per_kg"])
        assert ("mg per day, derived" in amount) == derives, f"dose {dose['dose_id']}: {amount!r}"


def test_a_dose_row_without_basis_or_frequency_is_refused_naming_it():
    doses = load_table("dose_reports")
    broken = doses.copy()
    broken.loc[broken["dose_id"] == "D04", "frequency"] = "times a day"  # no times_low/times_high
    with pytest.raises(ValueError, match="D04.*frequency"):
        dose_units(broken)
    broken = doses.copy()
    broken.loc[broken["dose_id"] == "D05", "per"] = "day"  # a single dose as a daily amount
    with pytest.raises(ValueError, match="D05.*per"):
        dose_units(broken)


# --- 2. the human equivalent dose is not a dose anyone was given ---------------------------------

def test_no_human_equivalent_dose_on_the_chart_of_doses_given(built_book):
    spec = _landscape(built_book)
    doses = load_table("dose_reports")
    km = load_table("km_factors").set_index("species")
    rat = doses[doses["context"] == "animal study"].iloc[0]
    hed_mg = rat["mg_per_kg"] * km.loc[rat["species"], "km"] / km.loc["human adult", "km"] * km.loc["human adult", "reference_weight_kg"]
    human_labels = set(doses.loc[doses["species"] == "human", "label"])
    panels = spec["vconcat"]
    assert [_title(p) for p in panels] == ["mg per administration", "mg per day"]
    for panel in panels:
        rows = spec["datasets"][panel["data"]["name"]]
        basis = _title(panel).removeprefix("mg ")
        for row in rows:
            assert row["label"].removesuffix(" (derived)") in human_labels, f"{row['label']!r} is not a dose people were given"
            assert row["label"].endswith(" (derived)") == row["value"].startswith("derived"), row["label"]
            assert row["basis"] == basis, f"{row['label']!r} ({row['basis']}) drawn in the {basis} panel"
            for value in (row["low_shown"], row["high"]):
                assert not math.isclose(value, hed_mg, rel_tol=0.01), "the human equivalent dose is on the chart"
    assert "equivalent" not in json.dumps(spec).lower()
    shown = _shown(built_book, "dosing")
    assert shown["hed_mg_per_kg"] == _two_figures(hed_mg / km.loc["human adult", "reference_weight_kg"])
    text = _prose(built_book, "dosing")
    sentence = text[text.index(f"{shown['hed_mg_per_kg']} mg/kg per administration"):][:200]
    assert "no daily figure" in sentence and "derived" in sentence
    assert f"{_two_figures(hed_mg)} mg" not in text, "the rat dose is turned into milligrams for a person"


# --- 3. ratios only between like units, each derived with its rule -------------------------------

def test_ratios_compare_like_units_only(built_book):
    with pytest.raises(ValueError, match="refusing to compare"):
        dose_ratio(800, PER_DAY, 40, PER_ADMINISTRATION)
    text = _prose(built_book, "dosing")
    ratio = re.compile(r"(\d+(?:\.\d+)?) times the [^()]{0,80}\( ?derived: (\d+(?:\.\d+)?) ÷ (\d+(?:\.\d+)?) "
                       r"(mg per day|mg per administration) ?\)")
    found = ratio.findall(text)
    assert len(found) == len(re.findall(r"\d times the ", text)), "a ratio on the dosing page has no rule with its unit"
    assert found, "no ratio found on the dosing page"
    for value, numerator, denominator, _unit in found:
        assert value == _two_figures(float(numerator) / float(denominator))
    doses = load_table("dose_reports")
    many = doses[doses["label"].str.contains("many users", case=False)].iloc[0]
    repeated = doses[doses["context"] == "trial repeated dose"]
    admin_rule = (float(repeated["mg_high"].max()), float(many["mg_high"]), "mg per administration")
    assert (f"{admin_rule[0]:g}", f"{admin_rule[1]:g}", admin_rule[2]) in [f[1:] for f in found]


def test_no_number_has_false_precision(built_book):
    for chapter in ("dosing", "side-effects", "mechanisms"):
        text = _prose(built_book, chapter)
        precise = re.search(r".{0,40}\d\.\d{3,}.{0,20}", text)
        assert not precise, f"{chapter}: {precise.group() if precise else ''}"
        for spec in _chart_specs(built_book, chapter):
            strings = [spec.get("description", "")] + [v for rows in spec.get("datasets", {}).values()
                                                        for row in rows for v in row.values() if isinstance(v, str)]
            for string in strings:
                assert not re.search(r"\d\.\d{3,}", string), f"{chapter} chart: {string[:120]!r}"
            for tooltip in re.findall(r'"tooltip": (\[.*?\])', json.dumps(spec)):
                for item in json.loads(tooltip):
                    if item.get("type") == "quantitative":
                        assert "format" in item, f"{chapter}: a numeric tooltip without a format: {item}"


# --- 4. mechanisms: papers and findings counted apart --------------------------------------------

def test_mechanism_papers_are_counted_as_distinct_sources(built_book):
    findings = load_table("mechanisms")
    studied = findings[findings["evidence_kind"] != "no study"]
    shown = _shown(built_book, "mechanisms")
    assert shown["papers_count"] == str(studied["source"].nunique())
    by_paper = studied.drop_duplicates("source")
    assert shown["papers_abstract_or_more"] == str(int(by_paper["read"].isin(["abstract", "full text"]).sum()))
    assert shown["papers_title_or_citation"] == str(int(by_paper["read"].isin(["title only", "citation only"]).sum()))
    assert shown["findings_abstract_or_more"] == str(int(studied["read"].isin(["abstract", "full text"]).sum()))
    text = _prose(built_book, "mechanisms")
    assert f"come from {shown['papers_count']} papers" in text
    assert "Of the studies," not in text


# --- 5. the words glued around the numbers follow the data ---------------------------------------

def test_dosing_words_follow_the_data(built_book):
    shown = _shown(built_book, "dosing")
    doses = load_table("dose_reports")
    human = doses[doses["species"] == "human"]
    community, trials = human[human["context"] == "community"], human[human["context"] != "community"]
    top_admin = float(community["mg_high"][community["per"] == "administration"].max())
    lows = trials["mg_low"].fillna(trials["mg_high"])
    meets_at_top = bool(((lows <= top_admin) & (trials["mg_high"] >= top_admin)).any())
    assert (shown["overlap_where"] == "at the top of the community range") == meets_at_top
    assert shown["lowest_trial_admin"] == f"{trials['mg_low'].min():g} mg per administration"
    pk = load_table("pk")
    human_hl = pk[(pk["species"] == "human") & (pk["parameter"] == "elimination half-life")]
    ranges = sorted(zip(human_hl["value_low"], human_hl["value_high"]))
    pairs = [(a, b) for i, a in enumerate(ranges) for b in ranges[i + 1:]]
    apart = [b[0] > a[1] or a[0] > b[1] for a, b in pairs]
    expected = "do not overlap at all" if all(apart) else "do not all overlap" if any(apart) else "overlap"
    assert shown["human_hl_overlap"] == expected
    bio = pk[pk["parameter"] == "systemic availability (oral)"]
    assert shown["bio_min"] == f"{bio['value_low'].min():g}%"


def test_side_effect_words_follow_the_data(built_book):
    from statsmodels.stats.proportion import confint_proportions_2indep

    shown = _shown(built_book, "side-effects")
    enrollment = load_table("enrollment")
    flow = enrollment.set_index(["study_id", "arm", "stage"])["n"]
    drug = int(flow[("saga", "drug", "not completed")]), int(flow[("saga", "drug", "started")])
    placebo = int(flow[("saga", "placebo", "not completed")]), int(flow[("saga", "placebo", "started")])
    assert (shown["saga_drug_stopped"], shown["saga_drug_started"]) == (str(drug[0]), str(drug[1]))
    assert (shown["saga_placebo_stopped"], shown["saga_placebo_started"]) == (str(placebo[0]), str(placebo[1]))
    low, high = confint_proportions_2indep(*drug, *placebo, method="newcomb", compare="diff")
    assert shown["saga_stop_zero"] == ("includes" if low <= 0 <= high else "excludes")
    statements = load_table("side_effects")
    assert shown["popular_pages"] == str(statements.loc[statements["side"] == "popular source", "source"].nunique())
    assert shown["unread_records"] == str(int(statements["statement"].str.contains("could not be read").sum()))
    # the zero-event bounds count people known to have been given fasoracetam: not a target, not NB-001
    studies = load_table("studies").set_index("study_id")
    given = [int(flow[("great", "all", "enrolled")]), int(flow[("saga", "drug", "safety population")])]
    assert shown["largest_n"] == str(max(given))
    page = _soup(built_book, "side-effects")
    bounds = [t for t in page.select("table") if "Participants counted" in t.get_text()]
    assert len(bounds) == 1
    for name in studies.loc[studies["drug_identity"] != "fasoracetam", "name"]:
        assert name not in bounds[0].get_text(), f"{name} counted among the people given fasoracetam"
    uncertain = statements[statements["side"] == "trial of a drug of uncertain identity"]
    assert set(uncertain["study_id"]) <= set(studies.index[studies["drug_identity"] == "uncertain"])
    about_nb001 = statements[statements["study_id"].isin(studies.index[studies["drug_identity"] == "uncertain"])]
    assert set(about_nb001["side"]) <= {"trial of a drug of uncertain identity", "registry results, unread"}
    schedule = load_table("doses")
    on_drug = schedule[schedule["mg_high"].fillna(0) > 0]
    weeks = (on_drug["week_to"] - on_drug["week_from"] + 1).groupby(on_drug["study_id"]).sum()
    assert shown["longest_weeks"] == str(int(weeks.max()))


def test_mechanism_words_follow_the_data(built_book):
    shown = _shown(built_book, "mechanisms")
    findings = load_table("mechanisms")
    studied = findings[findings["evidence_kind"] != "no study"]
    gaba = studied[studied["system"] == "GABAergic"].drop_duplicates("source")
    assert shown["gaba_papers"].split()[0] == str(len(gaba))
    assert shown["gaba_title_only"] == str(int(gaba["read"].isin(["title only", "citation only"]).sum()))
    mglur = studied[studied["system"] == "glutamatergic"].drop_duplicates("source")
    assert shown["mglur_papers"].split()[0] == str(len(mglur))
    assert shown["systems_count"] == str(findings["system"].nunique())
    assert shown["findings_kind_unknown"] == str(int((findings["evidence_kind"] == "kind not known").sum()))
