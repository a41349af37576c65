"""The reader's layer: glossary, versions, citation, corrections, reporting an error."""
from __future__ import annotations

import re

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT
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
    return BeautifulSoup((ROOT / "_build" / "html" / "chapters" / f"{name}.html").read_text(encoding="utf-8"),
                         "html.parser")


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
    rows = {" ".join(tr.find("td").get_text().split()) for tr in soup.select("tbody tr")}
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
