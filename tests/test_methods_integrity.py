"""The methods page and the bibliography keep to their own rules.

* Every bibliography entry says where it was read, and the validator names an entry that does not.
* The PRISMA 2020 flow on the built methods page equals the flow counted from the tables, and a
  second, independent count from the CSV files agrees with both.
* The search log has the columns its schema requires and the page shows every search.
* The authors of Elia et al. 2018 are the ones the evidence brief gives (family names, initials and
  full names as printed), read from the brief itself: the test stores no names.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pybtex.database import parse_file

from conftest import DATA, ROOT, built_page, cell_text

BIB = ROOT / "references.bib"


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def methods_page(built_book: Path) -> BeautifulSoup:
    return built_page(built_book / "chapters" / "methods.html")


def page_table(page: BeautifulSoup, first_headers: list[str]) -> list[list[str]]:
    """The body rows (cell texts) of the first table on the page whose headers start with ``first_headers``."""
    for table in page.select("table"):
        headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        if headers[: len(first_headers)] == first_headers:
            return [[cell_text(td) for td in tr.select("td")] for tr in table.select("tbody tr")]
    raise AssertionError(f"no table with headers {first_headers} on the methods page")


# --- where each source was read ------------------------------------------------------------------

def test_every_bibliography_entry_says_where_it_was_read():
    from evidence.data import where_read

    entries = parse_file(str(BIB)).entries
    missing = [key for key, entry in entries.items() if not where_read(entry)]
    assert not missing, f"entries of references.bib whose note does not say 'Where read: ...': {missing}"
    too_short = [key for key, entry in entries.items() if len(where_read(entry).split()) < 3]
    assert not too_short, f"entries whose 'Where read' says too little to find the source again: {too_short}"


def test_the_validator_names_an_entry_that_does_not_say_where_it_was_read(tmp_path, monkeypatch, capsys):
    from evidence.data import main, where_read

    entries = parse_file(str(BIB)).entries
    key = next(iter(entries))  # the first entry of the real bibliography
    statement = "Where read: " + where_read(entries[key])
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    text = BIB.read_text(encoding="utf-8")
    start = text.index("{" + key + ",")
    assert statement.split("\n")[0][:40] in text[start:], "the statement is not in the entry as written"
    broken = text[:start] + text[start:].replace("Where read:", "Read:", 1)
    (tmp_path / "references.bib").write_text(broken, encoding="utf-8")
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(data))
    monkeypatch.delenv("EVIDENCE_BIBLIOGRAPHY", raising=False)
    assert main([]) != 0, "validation passed although an entry no longer says where it was read"
    message = capsys.readouterr().err
    assert re.search(rf'references\.bib, entry "{key}": the note does not say where the source was read', message), message


# --- the PRISMA flow -----------------------------------------------------------------------------

def independent_flow_counts() -> dict[str, int]:
    """The main counts, recomputed from the CSV files without the book's code."""
    sources = {r["source"]: r for r in rows("sources")}
    screening = {r["source"]: r for r in rows("screening")}
    excluded = rows("excluded")
    evidence = [k for k, r in screening.items() if r["role"] == "evidence"]
    own = [r for r in excluded if not r["source"] and r["identified_in"]]
    further = [r for r in excluded if r["source"] in evidence and r["outcome"] == "not readable"]
    partial = [k for k in evidence if sources[k]["read"] in ("title-only", "citation-only")]
    identified = len(evidence) + len(own)
    excluded_at_screening = sum(r["outcome"] == "excluded" for r in own)
    not_retrieved = len(partial) + sum(r["outcome"] == "not readable" for r in own) + len(further)
    sought = identified - excluded_at_screening + len(further)
    included = [k for k in evidence if k not in partial]
    return {
        "Records identified, in all": identified,
        "Records excluded": excluded_at_screening,
        "Reports sought for retrieval": sought,
        "Reports not retrieved": not_retrieved,
        "Reports assessed for eligibility": sought - not_retrieved,
        "Reports included, in all": len(included),
        "Studies included": len({screening[k]["study"] for k in included if screening[k]["study"]}),
        "Objects of review (popular pages and what they cite off topic)":
            sum(r["role"] == "object of review" for r in screening.values()),
        "Method references": sum(r["role"] == "method reference" for r in screening.values()),
    }


def test_every_source_has_its_screening_row():
    listed = {r["source"] for r in rows("sources")}
    screened = {r["source"] for r in rows("screening")}
    assert listed == screened, (f"sources without a row in data/screening.csv: {sorted(listed - screened)}; "
                                f"rows of screening.csv for no source: {sorted(screened - listed)}")


def test_the_prisma_flow_on_the_page_equals_the_tables(built_book):
    from evidence.data import load_table
    from evidence.prisma import prisma_flow

    flow = prisma_flow(load_table("sources"), load_table("screening"), load_table("excluded"))
    expected = [[stage, step, str(count)] for stage, step, count in flow.steps().itertuples(index=False)]
    page = methods_page(built_book)
    shown = page_table(page, ["Stage", "Step", "Count"])
    assert shown == expected, f"the flow table on the page is not the flow of the tables:\n{shown}\n{expected}"
    counts = {step: int(count) for _, step, count in expected}
    for step, count in independent_flow_counts().items():
        assert counts[step] == count, f"{step}: the book counts {counts[step]}, the CSV files give {count}"
    # Things searched for and never found are not records.
    never = [r for r in rows("excluded") if not r["identified_in"]]
    assert counts["Searched for and never found"] == len(never)
    assert all(not r["source"] for r in never), "a row with no place of identification is a report of a source"
    # The chart draws the same numbers, and the prose says them.
    text = page.get_text(" ", strip=True)
    assert f"Records identified (n = {flow.identified})" in (built_book / "chapters" / "methods.html").read_text(
        encoding="utf-8"), "the PRISMA chart does not show the number of records identified"
    assert re.search(rf"\b{flow.identified} records were identified \(", text)
    assert re.search(rf"Of the {flow.assessed} reports assessed", text)
    assert re.search(rf"{flow.reports_of_studies} reports of {flow.studies_included} studies", text)


def test_objects_of_review_and_method_references_are_not_evidence():
    screening = {r["source"]: r for r in rows("screening")}
    for key in ("popular_review2024", "popular_comparison"):
        if key in screening:
            assert screening[key]["role"] == "object of review", key
    apart = [k for k, r in screening.items() if r["role"] != "evidence"]
    assert all(not screening[k]["study"] for k in apart), "a source kept apart is counted as a report of a study"


# --- the search log ------------------------------------------------------------------------------

REQUIRED_LOG_COLUMNS = ["search_id", "date", "where_searched", "query", "results_returned", "what_came_back", "sources"]


def test_the_search_log_has_its_columns_and_the_page_shows_it(built_book):
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    schema = next(r for r in package["resources"] if r["name"] == "search_log")["schema"]
    names = [f["name"] for f in schema["fields"]]
    assert names[: len(REQUIRED_LOG_COLUMNS)] == REQUIRED_LOG_COLUMNS, names
    log = rows("search_log")
    assert log, "the search log is empty"
    assert list(log[0])[: len(REQUIRED_LOG_COLUMNS)] == REQUIRED_LOG_COLUMNS
    recorded = [r for r in log if r["query"] != "not recorded"]
    assert recorded, "no search with a recorded query: the search cannot be repeated"
    for r in recorded:  # a repeatable search has its date, collection and count
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"]), f"{r['search_id']}: a logged search needs its full date"
        assert r["results_returned"].isdigit(), f"{r['search_id']}: a logged search needs its number of results"
    shown = page_table(methods_page(built_book), ["Search", "Date", "Where searched", "Query"])
    assert [cells[0] for cells in shown] == [r["search_id"] for r in log]
    for cells, r in zip(shown, log):
        assert cells[3] == r["query"], f"{r['search_id']}: the page shows the query {cells[3]!r}, the log {r['query']!r}"


# --- the authors of Elia et al. 2018 -------------------------------------------------------------

def evidence_brief() -> Path | None:
    candidates = [Path(os.environ["EVIDENCE_BRIEF_DIR"]) / "SOURCES.md"] if os.environ.get("EVIDENCE_BRIEF_DIR") else []
    candidates += [ROOT.parent / "shared" / "evidence" / "SOURCES.md", Path("/work/shared/evidence/SOURCES.md")]
    return next((p for p in candidates if p.is_file()), None)


def brief_author_lists(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(family name, initials) from the brief's citation line of Elia 2018, and the full names as printed."""
    section = text[text.index("## 2."): text.index("## 3.")]
    citation = re.search(r"^(Elia J,.*?\.)\s*$\s*Full names", section, re.MULTILINE | re.DOTALL).group(1)
    short = []
    for name in re.sub(r"\s+", " ", citation).rstrip(".").split(", "):
        family, initials = name.rsplit(" ", 1)
        short.append((family, initials))
    full_text = re.search(r"Full names as printed.*?:\s*(.*?)\.\s*\(", section, re.DOTALL).group(1)
    full = [re.sub(r"\s+", " ", n).strip() for n in full_text.split(",")]
    return short, full


def test_the_elia_2018_authors_are_the_names_as_printed():
    brief = evidence_brief()
    if brief is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the evidence brief (SOURCES.md) is not beside the project: set EVIDENCE_BRIEF_DIR")
        pytest.skip("the evidence brief (SOURCES.md) is not beside the project")
    short, full = brief_author_lists(brief.read_text(encoding="utf-8"))
    persons = parse_file(str(BIB)).entries["elia2018"].persons["author"]
    families = [" ".join(p.prelast_names + p.last_names) for p in persons]
    givens = [" ".join(p.first_names + p.middle_names) for p in persons]
    assert families == [f for f, _ in short], f"family names differ from the brief:\n{families}\n{short}"
    initials = ["".join(w[0] for w in re.split(r"[\s.]+", g) if w) for g in givens]
    assert initials == [i for _, i in short], f"given names do not match the brief's initials:\n{initials}"
    assert [f"{g} {f}" for g, f in zip(givens, families)] == full, "the names are not the names as printed"
