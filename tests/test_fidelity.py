"""Fidelity guards: every claim sentence of the popular pages has a ledger row or a reason it has
none; no field reads "not reported" where a source the book cites reports it; every quotation in
the book is its source's own words, checked against the stored text it was read in."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import HTML, ROOT, cell_text
from evidence.data import load_table

#: The stored copies of the popular pages under review, beside the project when it is checked out
#: in its workspace (not in a fresh clone).
POPULAR = ROOT.parent / "shared" / "evidence" / "popular"
POPULAR_FILES = {"popular_review2024": "000_8b66c840dd7ba171.txt", "popular_comparison": "002_c4ee06ce380dd884.txt"}
NOT_REPORTED = "not reported in the sources reviewed"


# --- the ledger covers the popular pages ---------------------------------------------------------

def test_every_claim_sentence_maps_to_a_ledger_row_or_a_reason():
    sentences, claims = load_table("claim_sentences"), load_table("claims")
    ids = set(claims["claim_id"])
    mapped: set[str] = set()
    for row in sentences.itertuples():
        if row.mapping == "not a claim":
            assert row.reason.strip() and row.reason != row.mapping, \
                f"claim_sentences.csv, {row.sentence_id}: 'not a claim' needs a reason"
            continue
        named = set(row.mapping.split(";"))
        assert named <= ids, f"claim_sentences.csv, {row.sentence_id}: no ledger row for {sorted(named - ids)}"
        mapped |= named
    assert ids <= mapped, f"ledger rows no sentence of the popular pages asserts: {sorted(ids - mapped)}"
    for claim in claims.itertuples():
        pages = set(sentences[sentences["mapping"].str.split(";").map(lambda m, c=claim.claim_id: c in m)]["source"])
        page = {"000_8b66c840dd7ba171.txt": "popular_review2024",
                "002_c4ee06ce380dd884.txt": "popular_comparison"}[claim.source]
        assert page in pages, f"{claim.claim_id}: the ledger gives {claim.source}, but no sentence of it is mapped to the claim"


@pytest.mark.skipif(not POPULAR.is_dir(), reason="the stored popular pages are not beside this checkout")
@pytest.mark.parametrize("source, file", POPULAR_FILES.items())
def test_the_sentence_table_holds_every_sentence_of_the_page(source, file):
    """Every sentence is the page's own text, and together they are the whole page: what is left
    once every sentence is taken out holds no word (only reference numbers and punctuation)."""
    text = (POPULAR / file).read_text(encoding="utf-8")
    rest = text
    for row in load_table("claim_sentences").query("source == @source").itertuples():
        assert row.sentence in text, f"{row.sentence_id}: not the page's own words: {row.sentence[:80]!r}"
        rest = rest.replace(row.sentence, " ", 1)
    left = [w for w in re.findall(r"\w+", rest) if not w.isdigit()]
    assert not left, f"{file}: words no row of claim_sentences.csv holds: {' '.join(left)[:300]}"


# --- "not reported" only where nothing read reports it ---------------------------------------------

def test_a_studys_own_row_agrees_with_its_facts():
    """studies.csv says in one column what study_facts.csv says with its source: the sponsor."""
    studies = load_table("studies").set_index("study_id")
    facts = load_table("study_facts")
    for row in facts[facts["field"] == "sponsor"].itertuples():
        assert studies.loc[row.study_id, "sponsor"] == row.value.replace(" (Industry)", ""), \
            f"studies.csv, {row.study_id}, column sponsor: says {studies.loc[row.study_id, 'sponsor']!r}, " \
            f"but {row.source} ({row.locator}) gives {row.value!r}"


def test_no_field_reads_not_reported_where_a_cited_source_reports_it():
    """A fact row that says "not reported" must be the only word on that field; and a study whose
    own row leaves a field empty has no fact row giving it."""
    facts = load_table("study_facts")
    studies = load_table("studies")
    said = facts.assign(missing=facts["value"].str.contains("not reported", case=False))
    for (study, field), rows in said.groupby(["study_id", "field"]):
        if rows["missing"].any():
            assert len(rows) == 1, f"study_facts.csv: {study} {field} is both reported and 'not reported'"
    given = set(zip(facts["study_id"], facts["field"]))
    for row in studies.itertuples():
        if not isinstance(row.sponsor, str):
            assert (row.study_id, "sponsor") not in given, \
                f"studies.csv, {row.study_id}, column sponsor: empty (shown as {NOT_REPORTED!r}), but study_facts.csv gives it"


def test_the_pages_show_not_reported_only_where_the_facts_have_nothing():
    """In the tables of studies on the built pages, a cell that reads "not reported" stands where
    no fact row gives the field for that study."""
    facts = load_table("study_facts")
    studies = load_table("studies")
    name_of = {n.split(" (")[0]: s for s, n in zip(studies["study_id"], studies["name"])}
    fields = {"Sponsor": "sponsor", "Phase": "phase", "Ages": "ages", "Primary endpoint": "primary_endpoint"}
    known = {(s, f) for s, f, v in zip(facts["study_id"], facts["field"], facts["value"]) if "not reported" not in v}
    checked = 0
    for page in ("chapters/adhd-trials.html", "chapters/what-it-is.html"):
        soup = BeautifulSoup((HTML / page).read_text(encoding="utf-8"), "html.parser")
        for table in soup.select("article table"):
            headers = [" ".join(th.get_text(" ").split()) for th in table.select("thead th")]
            if "Study" not in headers:
                continue
            for tr in table.select("tbody tr"):
                cells = [cell_text(td) for td in tr.select("td")]
                study = name_of.get(cells[headers.index("Study")].split(" (")[0])
                for header, field in fields.items():
                    if study and header in headers and NOT_REPORTED in cells[headers.index(header)]:
                        checked += 1
                        assert (study, field) not in known, \
                            f"{page}: {study} shows {header} as not reported, but study_facts.csv gives it"
    assert checked, "no 'not reported' cell was found to check: the tables have changed"


# --- one label, one source -------------------------------------------------------------------------

def test_every_citation_label_names_one_source(built_book):
    """Two sources never print the same author-year label (1999a and 1999b, not 1999 twice)."""
    import collections

    targets = collections.defaultdict(set)
    for page in HTML.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for link in soup.select("span.bibtex-citation a[href*='bibliography.html#']"):
            targets[" ".join(link.get_text().split())].add(link["href"].split("#", 1)[1])
    assert targets, "no citation found in the built book"
    shared = {label: sorted(ids) for label, ids in targets.items() if len(ids) > 1}
    assert not shared, f"labels shared by several sources: {shared}"
