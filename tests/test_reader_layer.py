"""The reader's layer: glossary, versions, citation, corrections, reporting an error."""
from __future__ import annotations

import re

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT, built_page, cell_text
from evidence.data import load_table
from evidence.versions import current_version

#: The terms a reader meets in this book that the glossary must define.
REQUIRED_TERMS = [
    "CGI-I", "CGI-S", "ADHD-RS-5", "Vanderbilt scale", "Modified intention-to-treat", "Responder",
    "Confidence interval", "Risk difference", "Number needed to treat", "Open-label", "Single-blind",
    "Double-blind", "Placebo", "Crossover", "Post hoc", "Primary endpoint", "Company statement", "Topline",
    "Risk of bias", "GRADE certainty", "Human equivalent dose", "BID", "Twice daily", "Copy-number variant",
    "mGluR", "Mutation tier", "Rule of three", "Half-life", "Bioavailability",
]


def page(name: str) -> BeautifulSoup:
    return built_page(f"chapters/{name}.html")


def text_of(soup: BeautifulSoup) -> str:
    """The page's words with single spaces, and no space before closing or after opening brackets."""
    text = " ".join(soup.get_text(" ").split())
    return re.sub(r"\( ", "(", re.sub(r" ([),.;:])", r"\1", text))


def test_glossary_defines_every_required_term(built_book):
    terms = {" ".join(dt.find(string=True, recursive=False).split()) for dt in page("glossary").select("dl.glossary dt")}
    missing = [t for t in REQUIRED_TERMS if t not in terms]
    assert not missing, f"glossary lacks {missing}"


def test_glossary_facts_come_from_the_data(built_book):
    text = text_of(page("glossary"))
    scales = load_table("scales")
    for scale in ("CGI-I", "CGI-S"):
        points = scales[scales["scale"] == scale].sort_values("point")
        listed = "; ".join(f"{p} {label}" for p, label in zip(points["point"], points["label"]))
        assert listed in text, f"{scale}'s points are not listed as the data give them"
    flow = load_table("enrollment").set_index(["study_id", "arm", "stage"])["n"]
    assert f"held {flow[('saga', 'drug', 'modified intention-to-treat')]} and " \
           f"{flow[('saga', 'placebo', 'modified intention-to-treat')]}" in text


def test_citation_file_names_the_current_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    current = current_version(load_table("versions"))
    assert str(cff["version"]) == current["version"]
    assert str(cff["date-released"]) == current["date"]
    assert cff["license"] == "CC-BY-4.0"


def test_whats_new_shows_every_version_and_correction(built_book):
    soup = page("whats-new")
    text = text_of(soup)
    current = current_version(load_table("versions"))
    assert f"version {current['version']} ({current['date']})" in text
    rows = {cell_text(tr.find("td")) for tr in soup.select("tbody tr")}
    for correction in load_table("corrections")["correction_id"]:
        assert correction in rows, f"correction {correction} is not listed"
    for version in load_table("versions")["version"]:
        assert version in rows, f"version {version} is not listed"


def test_report_an_error_page_is_in_the_book_and_linked_from_whats_new(built_book):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert {"file": "chapters/report-an-error"} in toc["chapters"]
    links = [a["href"] for a in page("whats-new").select("a[href]")]
    assert any(href.startswith("report-an-error.html") for href in links)


def test_corrections_name_a_released_version():
    versions = set(load_table("versions")["version"])
    corrections = load_table("corrections")
    assert set(corrections["version"]) <= versions
    assert corrections["correction_id"].is_unique


# --- key messages -------------------------------------------------------------------------------

MESSAGE_TABLES = ("key_messages", "certainty", "claims", "studies", "endpoints")


def _message_tables():
    return {name: load_table(name) for name in MESSAGE_TABLES}


@pytest.mark.parametrize("level, expected", [
    ("high", "Fasoracetam improves ADHD symptoms."),
    ("moderate", "Fasoracetam probably improves ADHD symptoms."),
    ("low", "Fasoracetam may improve ADHD symptoms."),
    ("very-low", "We are very uncertain whether fasoracetam improves ADHD symptoms."),
    ("very low", "We are very uncertain whether fasoracetam improves ADHD symptoms."),
])
def test_informative_statements_use_grade_words(level, expected):
    from bookview.messages import informative_statement

    assert informative_statement(level, "fasoracetam", "improve", "improves", "ADHD symptoms") == expected


def test_a_changed_certainty_changes_the_key_message():
    from bookview.messages import key_messages

    tables = _message_tables()
    before = key_messages("adhd-trials", **{k: v for k, v in zip(
        ("messages", "certainty", "claims", "studies", "endpoints"), tables.values())})
    outcome = tables["key_messages"].query("page == 'adhd-trials' and kind == 'outcome'").iloc[0]["target"]
    changed = tables["certainty"].copy()
    changed.loc[changed["outcome_key"] == outcome, "certainty"] = "moderate"
    after = key_messages("adhd-trials", tables["key_messages"], changed, tables["claims"], tables["studies"],
                         tables["endpoints"])
    assert before != after
    assert any(" probably " in line for line in after) and not any(" probably " in line for line in before)


KEY_MESSAGE_PAGES = {"intro": "intro.html", "what-it-is": "chapters/what-it-is.html",
                     "adhd-trials": "chapters/adhd-trials.html", "mechanisms": "chapters/mechanisms.html",
                     "side-effects": "chapters/side-effects.html", "dosing": "chapters/dosing.html",
                     "claims": "chapters/claims.html"}


@pytest.mark.parametrize("key, html", KEY_MESSAGE_PAGES.items())
def test_every_evidence_page_opens_with_its_key_messages_and_search_date(built_book, key, html):
    from bookview.messages import key_messages

    tables = _message_tables()
    expected = key_messages(key, tables["key_messages"], tables["certainty"], tables["claims"],
                            tables["studies"], tables["endpoints"])
    assert 2 <= len(expected) <= 4
    soup = built_page(html)
    box = next((a for a in soup.select("div.admonition") if "Key messages" in a.get_text()), None)
    assert box is not None, f"{html} has no key messages"
    shown = [" ".join(li.get_text(" ").split()) for li in box.select("li")]
    normalise = lambda t: re.sub(r"\s+([),.;:])", r"\1", re.sub(r"\(\s+", "(", t)).replace("’", "'")
    assert [normalise(s) for s in shown] == [normalise(e) for e in expected]
    dates = load_table("search_log")["date"].dropna()
    last = max(d for d in dates if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(d)))
    day = f"{int(str(last)[8:]):d}"
    assert f"last searched on {day} " in box.get_text(" "), "the date of the last search is missing"


# --- natural frequencies ------------------------------------------------------------------------

def test_natural_frequencies_follow_the_derived_counts(built_book):
    from conftest import text_glue_references
    from evidence.trials import drug_vs_placebo, natural_frequencies, response_rates

    rates = response_rates(load_table("outcomes"), load_table("enrollment"))
    frequencies = natural_frequencies(rates, drug_vs_placebo(rates))
    assert len(frequencies) >= 2
    for row in frequencies.itertuples():
        assert row.drug == round(100 * row.drug_count / row.drug_total)
        assert row.placebo == round(100 * row.placebo_count / row.placebo_total)
        assert row.drug_low <= row.drug <= row.drug_high and row.placebo_low <= row.placebo <= row.placebo_high
    source = (ROOT / "chapters" / "adhd-trials.md").read_text(encoding="utf-8")
    soup = page("adhd-trials")
    shown = dict(zip(text_glue_references(source), (s.get_text() for s in soup.select("span.pasted-text"))))
    first = frequencies.iloc[0]
    assert shown["nf_rs_drug"] == f"{first['drug']} ({first['drug_low']} to {first['drug_high']})"
    assert soup.select_one("#fig-saga-icons") is not None, "the icon array is not on the page"
    text = text_of(soup)
    assert "The same results as natural frequencies. By the company" in text


def test_evidence_pages_link_terms_to_the_glossary(built_book):
    glossary = page("glossary")
    anchors = {dt.get("id") for dt in glossary.select("dl.glossary dt")}
    for name, html in KEY_MESSAGE_PAGES.items():
        soup = built_page(html)
        links = [a["href"].split("#", 1)[1] for a in soup.select("a[href*='glossary.html#term-']")]
        assert links, f"{html} links no term to the glossary"
        assert set(links) <= anchors, f"{html} links to terms the glossary lacks: {set(links) - anchors}"
