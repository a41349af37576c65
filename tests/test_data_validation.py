"""Bad data stops everything with a message naming the file, the row and the column.

Each case corrupts a copy of data/ and runs the validator as the build does (a separate
process, non-zero exit). One case runs the whole build on a copy of the project: a broken
table removes the old pages. (An edited value reaching the page is in test_rebuilds.py.)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bookbuild import reproducible
from conftest import DATA, ROOT, first_row_value, set_cell


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}: the corruption would do nothing"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def drop_column(path: Path, column: str) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    index = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:index] + r[index + 1:] for r in rows])
    path.write_text(out.getvalue(), encoding="utf-8")


def corrupted_copy(tmp_path: Path, corrupt) -> Path:
    """A copy of data/ and references.bib under tmp_path, with ``corrupt`` applied to it."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    corrupt(data)
    return data


def validate_copy(tmp_path: Path, corrupt, monkeypatch, capsys) -> subprocess.CompletedProcess:
    """Run the validator's command-line entry point (``python -m evidence.data``) on a corrupted
    copy, in this process; its return value is the command's exit status."""
    from evidence.data import main

    data = corrupted_copy(tmp_path, corrupt)
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(data))
    monkeypatch.delenv("EVIDENCE_BIBLIOGRAPHY", raising=False)
    code = main([])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["python", "-m", "evidence.data"], code, captured.out, captured.err)


def test_the_validator_command_exits_non_zero_on_bad_data(tmp_path):
    """The same entry point as a real process, as the build and CI run it: exit status and stderr."""
    data = corrupted_copy(tmp_path, lambda d: set_cell(d / "events.csv", N_ROW, "n", "thirty"))
    env = dict(os.environ, EVIDENCE_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "evidence.data"], env=env, capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == 1
    assert re.search(rf'data/events\.csv, row {N_ROW}\b.*column "n"', result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_the_real_data_validate(tmp_path, monkeypatch, capsys):
    result = validate_copy(tmp_path, lambda data: None, monkeypatch, capsys)
    assert result.returncode == 0, result.stderr


N_ROW, N_VALUE = first_row_value("events", "n")
SOURCE_ROW, SOURCE_VALUE = first_row_value("events", "source")
STUDY_ROW, STUDY_VALUE = first_row_value("events", "study_id")
END_ROW, END_VALUE = first_row_value("events", "end", where=("study_id", "great"))

CASES = {
    "missing column": (
        lambda d: drop_column(d / "events.csv", "study_id"),
        [r"data/events\.csv", r'column "study_id"', r"missing"]),
    "wrong type": (
        lambda d: set_cell(d / "events.csv", N_ROW, "n", "thirty"),
        [r"data/events\.csv", rf"row {N_ROW}\b", r'column "n"', r'"thirty"', r"integer"]),
    "out-of-range value": (
        lambda d: set_cell(d / "events.csv", N_ROW, "n", "-3"),
        [r"data/events\.csv", rf"row {N_ROW}\b", r'column "n"', r'"-3"', r"at least 0"]),
    "value outside the allowed set": (
        lambda d: set_cell(d / "identity.csv", 1, "source_kind", "blog"),
        [r"data/identity\.csv", r"row 1\b", r'column "source_kind"', r'"blog"', r"one of"]),
    "unknown source key": (
        lambda d: set_cell(d / "events.csv", SOURCE_ROW, "source", "nosuchpaper2099"),
        [r"data/events\.csv", rf"row {SOURCE_ROW}\b", r'column "source"', r'"nosuchpaper2099"', r"references\.bib"]),
    "source kind that contradicts sources.csv": (
        lambda d: set_cell(d / "events.csv", SOURCE_ROW, "source_kind",
                           "tertiary" if SOURCE_VALUE != "wikipedia_fasoracetam" else "registry"),
        [r"data/events\.csv", rf"row {SOURCE_ROW}\b", r'column "source"', rf'"{SOURCE_VALUE}"']),
    "duplicate id": (
        lambda d: set_cell(d / "events.csv", 2, "event_id", first_row_value("events", "event_id")[1]),
        [r"data/events\.csv", r"row 2\b", r'column "event_id"', r"duplicate"]),
    "dangling study reference": (
        lambda d: set_cell(d / "events.csv", STUDY_ROW, "study_id", "no_such_study"),
        [r"data/events\.csv", rf"row {STUDY_ROW}\b", r'column "study_id"', r'"no_such_study"', r"studies\.csv"]),
    "empty file": (
        lambda d: (d / "studies.csv").write_text("", encoding="utf-8"),
        [r"data/studies\.csv", r"empty", r"study_id"]),
    "file that is not UTF-8": (
        lambda d: (d / "identity.csv").write_bytes(
            (d / "identity.csv").read_text(encoding="utf-8").encode("latin-1", errors="replace")),
        [r"data/identity\.csv", r"line \d+", r"not UTF-8"]),
    "impossible date": (
        lambda d: set_cell(d / "events.csv", END_ROW, "end", "2016-13"),
        [r"data/events\.csv", rf"row {END_ROW}\b", r'column "end"', r'"2016-13"', r"not a real date"]),
    "end before start": (
        lambda d: set_cell(d / "events.csv", END_ROW, "end", "1900"),
        [r"data/events\.csv", rf"row {END_ROW}\b", r'column "end"', r"before the start"]),
    "dangling study in a list of studies": (
        lambda d: set_cell(d / "certainty.csv", 1, "studies", first_row_value("certainty", "studies")[1] + ";no_such_trial"),
        [r"data/certainty\.csv", r"row 1\b", r'column "studies"', r'"no_such_trial"', r"studies\.csv"]),
    "percentage above 100": (
        lambda d: set_cell(d / "outcomes.csv", first_row_value("outcomes", "value", where=("statistic", "percent"))[0],
                           "value", "170"),
        [r"data/outcomes\.csv", r'column "value"', r'"170"', r"at most 100"]),
    "participant count that is not a whole number": (
        lambda d: set_cell(d / "enrollment.csv", 1, "n", "30.5"),
        [r"data/enrollment\.csv", r"row 1\b", r'column "n"', r'"30\.5"', r"integer"]),
    "bibliography entry with a missing field": (
        lambda d: replace_once(d.parent / "references.bib", "  journal = {Nature Communications},\n", ""),
        [r"references\.bib", r'entry "elia2018"', r'field "journal" is missing']),
    "bibliography entry with a malformed DOI": (
        lambda d: replace_once(d.parent / "references.bib", "doi     = {10.1038/s41467-017-02244-2}",
                               "doi     = {https://doi.org/10.1038 s41467}"),
        [r"references\.bib", r'entry "elia2018"', r"is not a DOI"]),
    "source missing from the bibliography": (
        lambda d: (d.parent / "references.bib").write_text(
            (d.parent / "references.bib").read_text(encoding="utf-8").replace("@article{elia2018,", "@article{elia2018x,"),
            encoding="utf-8"),
        [r"data/sources\.csv", r'column "source"', r'"elia2018"', r"references\.bib"]),
}


@pytest.mark.parametrize("case", CASES)
def test_corrupt_data_fails_with_file_row_and_column(tmp_path, case, monkeypatch, capsys):
    corrupt, expected = CASES[case]
    result = validate_copy(tmp_path, corrupt, monkeypatch, capsys)
    assert result.returncode != 0, f"{case}: validation passed on corrupt data"
    message = result.stderr
    for pattern in expected:
        assert re.search(pattern, message), f"{case}: message lacks {pattern!r}:\n{message}"
    assert "Traceback" not in message, f"{case}: a traceback instead of a clear message:\n{message}"


# --- whole builds on a copy of the project ------------------------------------------------------

@pytest.fixture()
def project_copy(tmp_path, built_book) -> Path:
    """A copy of the project with its current build (so rebuilding it is incremental)."""
    return reproducible.copy_project(tmp_path, with_build=True)


def test_broken_table_stops_the_build_and_leaves_no_page(project_copy):
    assert (project_copy / "_build" / "html" / "index.html").is_file()
    set_cell(project_copy / "data" / "events.csv", N_ROW, "n", "many")
    result = reproducible.run_build(project_copy)
    assert result.returncode != 0
    assert re.search(rf'data/events\.csv, row {N_ROW}\b.*column "n"', result.stderr), result.stderr
    assert not (project_copy / "_build" / "html").exists(), "a failed build left its old pages behind"


def test_events_and_endpoints_agree_on_every_primary_endpoint():
    """The timeline (events.csv) and the trials chapter (endpoints.csv) must not tell two stories."""
    from evidence.data import load_table

    endpoints = load_table("endpoints").set_index("study_id")["result"]
    events = load_table("events")
    stated = events[events["primary_endpoint"].notna()]
    assert len(stated) > 0
    for _, event in stated.iterrows():
        assert endpoints[event["study_id"]] == event["primary_endpoint"], \
            f"events.csv {event['event_id']} says {event['primary_endpoint']}; endpoints.csv says {endpoints[event['study_id']]}"


def test_the_claims_table_holds_every_claim_with_a_basis():
    """The 48 claims under review, C01 to C48, and the claims the book found since on reading the
    pages again, numbered on from C49; each once; every claim with evidence names the sources behind it."""
    from evidence.data import load_table

    claims = load_table("claims")
    assert len(claims) >= 48
    assert list(claims["claim_id"]) == [f"C{i:02d}" for i in range(1, len(claims) + 1)]
    with_evidence = claims[claims["evidence"] != "none"]
    missing = list(with_evidence.loc[with_evidence["basis"].isna(), "claim_id"])
    assert not missing, f"claims with evidence but no basis: {missing}"
    assert set(claims["source"]) == {"000_8b66c840dd7ba171.txt", "002_c4ee06ce380dd884.txt"}


def test_the_claims_ids_match_the_claims_under_review():
    """Each claim keeps the id, page and section it has in the list of claims under review; the
    ledger's further claims come after them."""
    from evidence.data import load_table

    brief = ROOT.parent / "shared" / "evidence" / "CLAIMS.md"
    if not brief.is_file():
        pytest.skip("the list of claims under review is not beside the project")
    rows = re.findall(r"^\| (C\d{2}) \| (\d{3}) \| ([^|]+?) \|", brief.read_text(encoding="utf-8"), re.MULTILINE)
    claims = load_table("claims").set_index("claim_id")
    sentences = load_table("claim_sentences")
    assert [r[0] for r in rows] == list(claims.index[: len(rows)])
    for claim_id, page, section in rows:
        assert claims.loc[claim_id, "source"].startswith(page), claim_id
        # where the list misplaces a claim, the ledger gives the section of the sentence asserting it
        asserting = set(sentences.loc[sentences["mapping"].str.split(";").map(lambda m: claim_id in m), "section"])
        assert claims.loc[claim_id, "section"] in {section} | asserting, claim_id


def test_the_front_page_bottom_line_still_holds():
    """The front page's bottom line says things in words that the data must keep true."""
    from evidence.data import load_table

    assert (load_table("mechanisms")["evidence_kind"] == "human").sum() == 0, "a human mechanism study: revise intro.md"
    human_pk = load_table("pk").query("species == 'human'")
    assert (human_pk["source_kind"] == "tertiary").all(), "a primary human PK figure: revise intro.md and dosing.md"
    great = load_table("study_facts").query("study_id == 'great' and field == 'design'")["value"].iloc[0]
    assert "open-label" in great


def test_every_table_and_field_is_described():
    """A newcomer reads what a column holds in the data package, not in the code."""
    package = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    bare = [r["name"] for r in package["resources"] if not r.get("description", "").strip()]
    bare += [f'{r["name"]}.{f["name"]}' for r in package["resources"] for f in r["schema"]["fields"]
             if not f.get("description", "").strip()]
    assert not bare, f"data/datapackage.json: no description for {bare}"
