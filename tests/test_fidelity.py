"""Fidelity guards: every claim sentence of the popular pages has a ledger row or a reason it has
none; no field reads "not reported" where a source the book cites reports it; every quotation in
the book is its source's own words, checked against the stored text it was read in."""
from __future__ import annotations

import copy

import re
from pathlib import Path

import pytest

from conftest import HTML, ROOT, built_page, cell_text
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
        soup = built_page(page)
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
        soup = built_page(page)
        for link in soup.select("span.bibtex-citation a[href*='bibliography.html#']"):
            targets[" ".join(link.get_text().split())].add(link["href"].split("#", 1)[1])
    assert targets, "no citation found in the built book"
    shared = {label: sorted(ids) for label, ids in targets.items() if len(ids) > 1}
    assert not shared, f"labels shared by several sources: {shared}"


# --- every quotation is its source's own words -----------------------------------------------------

#: Opening and closing marks of a quotation, curly (as the built pages set them) or straight (as a
#: data cell or a chart's text may keep them). Single quotes are left out: they nest inside a
#: quotation and double as apostrophes.
QUOTATION = re.compile(r"“([^”]+)”|\"([^\"]{1,300})\"")
#: A reference marker of a quoted page ([4]) may be left out of a quotation, as is usual.
REFERENCE_MARKER = re.compile(r"\s*\[\d+\]")


def words(text: str) -> str:
    """Text compared as words: curly quotes and apostrophes made straight, spaces single."""
    for curly, straight in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'")):
        text = text.replace(curly, straight)
    return " ".join(text.split())


def quotations_on_pages(html_root: Path) -> dict[str, set[str]]:
    """Each phrase a reader sees between double quotation marks, with the pages that print it: the
    article of every page, without its code, its scripts and the data behind its charts."""
    found: dict[str, set[str]] = {}
    for page in html_root.rglob("*.html"):
        if "_static" in page.parts or page.name in ("search.html", "genindex.html"):
            continue
        article = built_page(page).select_one("article.bd-article")
        if article is None:
            continue
        article = copy.copy(article)
        for hidden in article.select("script, style, div.cell_input"):
            hidden.decompose()
        text = " ".join(article.get_text(" ").split())
        for match in QUOTATION.finditer(text):
            found.setdefault(words(match.group(1) or match.group(2)), set()).add(page.relative_to(html_root).as_posix())
    return found


def test_every_quotation_is_a_row_of_the_quotations_table_and_every_row_is_printed(built_book):
    """A phrase between quotation marks is a quotation: it has a row saying whose words they are;
    and no row stands for a quotation the book no longer prints."""
    printed = quotations_on_pages(built_book)
    rows = {words(q): qid for qid, q in zip(*load_table("quotations")[["quotation_id", "quote"]].T.values)}
    unrecorded = {q: sorted(pages) for q, pages in printed.items() if q not in rows}
    assert not unrecorded, ("quotations with no row in data/quotations.csv (add the passage they were "
                            f"read in, or drop the quotation marks): {unrecorded}")
    stale = sorted(f"{qid} {q!r}" for q, qid in rows.items() if q not in printed)
    assert not stale, f"data/quotations.csv: rows for quotations no page prints: {stale}"


def test_every_quotation_is_word_for_word_in_its_passage():
    """The quoted words stand in the passage recorded for them, word for word and letter case
    included; the book's former wording stands in the correction that records it."""
    quotations = load_table("quotations")
    corrections = load_table("corrections").set_index("correction_id")
    for row in quotations.itertuples():
        where = f"data/quotations.csv, {row.quotation_id}"
        assert isinstance(row.source, str) != isinstance(row.correction_id, str), \
            f"{where}: give either the source quoted or the correction that records the book's former wording"
        passage = REFERENCE_MARKER.sub("", row.passage)
        assert words(row.quote) in words(passage), f"{where}: {row.quote!r} is not in its passage"
        if isinstance(row.correction_id, str):
            assert words(row.passage) == words(corrections.loc[row.correction_id, "was"]), \
                f"{where}: the passage is not what correction {row.correction_id} says the book printed"


@pytest.mark.skipif(not POPULAR.is_dir(), reason="the stored popular pages are not beside this checkout")
def test_a_quotation_of_a_popular_page_is_in_the_stored_page():
    """For the two pages under review the stored copies are at hand: the passage is read there."""
    quotations = load_table("quotations")
    checked = 0
    for row in quotations[quotations["source"].isin(POPULAR_FILES)].itertuples():
        text = words((POPULAR / POPULAR_FILES[row.source]).read_text(encoding="utf-8"))
        assert words(row.passage) in text, f"data/quotations.csv, {row.quotation_id}: the passage is not in {row.source}'s stored page"
        assert POPULAR_FILES[row.source] in row.where_read, f"data/quotations.csv, {row.quotation_id}: where_read names another file"
        checked += 1
    assert checked, "no quotation of a popular page was found to check"
