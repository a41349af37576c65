"""The claims ledger follows the grading decision tables (evidence.grading).

Each guard runs on the real ledger and, once more, on a copy with one claim changed, to show
that it can fail.
"""
from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT, built_page, cell_text, text_glue_references
from evidence.data import load_table
from evidence.grading import (EVIDENCE_ORDER, expected_grade, READ_ENOUGH, TOPIC_CLASS,
                              grading_problems, ledger_certainty, same_grade_problems,
                              split_keys)


@pytest.fixture(scope="module")
def tables():
    return load_table("claims"), load_table("sources"), load_table("certainty")


def changed(claims, claim_id, **values):
    """A copy of the ledger with one claim's cells changed."""
    copy = claims.copy()
    for column, value in values.items():
        copy.loc[copy["claim_id"] == claim_id, column] = value
    return copy


def test_every_claim_follows_the_decision_tables(tables):
    claims, sources, sof = tables
    assert grading_problems(claims, sources, sof) == []


def test_the_decision_table_check_can_fail(tables):
    claims, sources, sof = tables
    trial_result = claims[claims["evidence"] == "company-statement"].iloc[0]["claim_id"]
    problems = grading_problems(changed(claims, trial_result, evidence="human-controlled"), sources, sof)
    assert any(trial_result in p and "column evidence" in p for p in problems), problems
    effect = claims["topic"].map(TOPIC_CLASS) == "effect"
    animal = claims[(claims["evidence"] == "animal") & effect].iloc[0]["claim_id"]
    problems = grading_problems(changed(claims, animal, verdict="supported"), sources, sof)
    assert any(animal in p and "column verdict" in p for p in problems), problems


def evidence_from_basis(basis, sources) -> str:
    """The evidence kind, recomputed here from sources.csv without the module's helper."""
    rows = sources.set_index("source")
    kinds = []
    for key in split_keys(basis):
        if rows.loc[key, "read"] not in READ_ENOUGH:
            continue
        kind = rows.loc[key, "source_kind"]
        if kind == "regulator":  # the claims vocabulary has no word for a regulator's document
            continue
        kinds.append(kind if kind in ("company-statement", "tertiary") else rows.loc[key, "design"])
    return min(kinds, key=EVIDENCE_ORDER.index) if kinds else "none"


def test_the_evidence_kind_follows_the_kinds_of_the_basis(tables):
    claims, sources, _ = tables
    for claim in claims.itertuples():
        assert claim.evidence == evidence_from_basis(claim.basis, sources), claim.claim_id
        used = set(split_keys(claim.basis)) | set(split_keys(claim.checked))
        nb001 = used & set(sources.loc[sources["drug"] == "NB-001", "source"])
        assert not nb001, f"{claim.claim_id} rests on NB-001 sources {nb001}"
        only_company = [k for k in split_keys(claim.basis)
                        if sources.set_index("source").loc[k, "read"] in READ_ENOUGH]
        kinds = set(sources.set_index("source").loc[only_company, "source_kind"]) if only_company else set()
        if kinds == {"company-statement"}:
            assert claim.evidence == "company-statement", claim.claim_id
        if kinds == {"tertiary"}:
            assert claim.evidence == "tertiary", claim.claim_id


def test_a_source_read_by_title_or_citation_only_carries_no_evidence(tables):
    claims, sources, sof = tables
    unread = sorted(set(sources.loc[~sources["read"].isin(READ_ENOUGH), "source"]))
    assert unread, "no source read by title or citation only: the rule is untested"
    only_unread = claims[[bool(split_keys(b)) and set(split_keys(b)) <= set(unread) for b in claims["basis"]]]
    assert set(only_unread["evidence"]) <= {"none"} and set(only_unread["verdict"]) <= {"unsupported"}
    # A claim resting on such a source alone is graded as resting on nothing.
    claim_id = claims.iloc[0]["claim_id"]
    titled = changed(claims, claim_id, basis=unread[0], checked="")
    grade = expected_grade(titled[titled["claim_id"] == claim_id].iloc[0], sources, sof)
    assert grade.evidence == "none"
    assert evidence_from_basis("elia2018", sources) != "none"
    assert any(claim_id in p for p in grading_problems(changed(titled, claim_id, evidence="animal"), sources, sof))


def test_claims_with_the_same_basis_and_evidence_are_graded_alike(tables):
    claims, _, _ = tables
    assert same_grade_problems(claims) == []


def test_the_same_grade_check_can_fail(tables):
    claims, _, _ = tables
    keyed = claims.assign(_b=claims["basis"].fillna("").map(lambda b: ";".join(sorted(split_keys(b)))))
    pairs = keyed[keyed["_b"] != ""].groupby(["_b", "evidence"]).filter(lambda g: len(g) > 1)
    first = pairs.iloc[0]
    other = next(v for v in ("supported", "partly-supported", "unsupported", "contradicted") if v != first["verdict"])
    assert same_grade_problems(changed(claims, first["claim_id"], verdict=other))
    other = next(c for c in ("high", "moderate", "low", "very-low") if c != first["certainty"])
    assert same_grade_problems(changed(claims, first["claim_id"], certainty=other))


def test_certainty_equals_the_summary_of_findings_where_linked(tables):
    claims, sources, sof = tables
    linked = claims[claims["outcome_key"].notna()]
    assert len(linked) > 0
    grades = sof.set_index("outcome_key")["certainty"]
    for claim in linked.itertuples():
        assert claim.certainty == ledger_certainty(grades[claim.outcome_key]), claim.claim_id
    claim = linked.iloc[0]
    other = next(c for c in ("high", "moderate", "low", "very-low") if c != claim["certainty"])
    assert any("column certainty" in p for p in grading_problems(changed(claims, claim["claim_id"], certainty=other),
                                                                  sources, sof))


def test_the_summary_of_findings_words_map_to_the_ledger_words():
    schema = {r["name"]: r for r in json.loads((ROOT / "data" / "datapackage.json").read_text())["resources"]}
    sof_words = next(f for f in schema["certainty"]["schema"]["fields"] if f["name"] == "certainty")["constraints"]["enum"]
    ledger_words = next(f for f in schema["claims"]["schema"]["fields"] if f["name"] == "certainty")["constraints"]["enum"]
    assert sorted(ledger_certainty(w) for w in sof_words) == sorted(ledger_words)
    with pytest.raises(ValueError):
        ledger_certainty("very-low")


def test_every_topic_is_in_the_vocabulary_and_has_a_class(tables):
    claims, _, _ = tables
    vocabulary = next(f for f in claims.attrs["schema"]["fields"] if f["name"] == "topic")["constraints"]["enum"]
    assert set(vocabulary) == set(TOPIC_CLASS)
    assert set(claims["topic"]) <= set(vocabulary)
    # facts about a trial and statements that data are missing are not counted as efficacy or safety
    effect = claims[claims["topic"].map(TOPIC_CLASS) == "effect"]
    gaps = claims[claims["topic"].map(TOPIC_CLASS) == "gap"]
    assert len(gaps) > 0 and set(gaps["evidence"]) == {"none"}
    assert not (effect["evidence"] == "none").any() or set(effect.loc[effect["evidence"] == "none", "verdict"]) == {"unsupported"}


def test_the_heat_map_columns_are_the_ledger_topics(tables):
    from bookview.charts import VERDICTS, verdict_chart

    claims, _, _ = tables
    spec = verdict_chart(claims).to_dict()
    columns = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert set(columns) == set(claims["topic"])
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == VERDICTS
    data = next(iter(spec["datasets"].values()))
    for cell in data:
        expected = int(((claims["topic"] == cell["topic"]) & (claims["verdict"] == cell["verdict"])).sum())
        assert cell["claims"] == expected, cell


def test_the_count_of_papers_claim_is_judged_on_the_count(tables):
    """C39 says a number of papers exist. Its verdict holds only while the papers that could be read
    (its basis) number what it states and more are known only by title or citation (checked)."""
    claims, sources, _ = tables
    claim = claims.set_index("claim_id").loc["C39"]
    stated = int(re.search(r"\d+", claim["claim"]).group())
    rows = sources.set_index("source")
    readable = [k for k in split_keys(claim["basis"]) if rows.loc[k, "source_kind"] == "peer-reviewed"
                and rows.loc[k, "read"] in READ_ENOUGH]
    titled = [k for k in split_keys(claim["checked"]) if rows.loc[k, "source_kind"] == "peer-reviewed"
              and rows.loc[k, "read"] not in READ_ENOUGH]
    assert len(readable) == stated and titled and claim["verdict"] == "partly-supported"
    all_papers = set(rows.index[(rows["source_kind"] == "peer-reviewed") & (rows["drug"] == "fasoracetam")])
    assert set(readable) | set(titled) == all_papers, "C39's sources are not the book's papers on the molecule"


def test_the_ledger_page_glues_the_counts_of_the_data(built_book):
    from bs4 import BeautifulSoup

    claims = load_table("claims")
    source = ROOT / "chapters" / "claims.md"
    keys = text_glue_references(source.read_text(encoding="utf-8"))
    page = built_page(built_book / "chapters" / "claims.html")
    shown = dict(zip(keys, [s.get_text() for s in page.select("span.pasted-text")]))
    cls = claims["topic"].map(TOPIC_CLASS)
    assert shown["claims_effect"] == str(int((cls == "effect").sum()))
    assert shown["claims_gap"] == str(int((cls == "gap").sum()))
    assert shown["claims_effect_supported"] == str(int(((cls == "effect") & (claims["verdict"] == "supported")).sum()))
    assert shown["claims_no_evidence"] == str(int((claims["evidence"] == "none").sum()))  # gap claims included
    assert shown["claim_classes"] == str(len(set(TOPIC_CLASS.values())))
    rows = {cell_text(tr.select("td")[0]): tr for tr in page.select("table tr") if tr.select("td")}
    for claim in claims.itertuples():
        cells = [cell_text(td) for td in rows[claim.claim_id].select("td")]
        # nothing bears on it and the ledger keeps very-low: the book says so plainly; a claim that
        # data are missing keeps the certainty its rule gives
        shown = "no evidence found" if claim.evidence == "none" and claim.certainty == "very-low" else claim.certainty
        assert claim.verdict in cells and shown in cells and claim.topic in cells, claim.claim_id


def test_every_source_on_fasoracetam_that_can_carry_a_design_has_one(tables):
    """A paper or registry record on fasoracetam, read enough to carry evidence, says in the data
    what design it reports; no other source does (its kind is its own, or it carries none)."""
    _, sources, _ = tables
    can_carry = (sources["source_kind"].isin(["peer-reviewed", "registry"]) & sources["read"].isin(READ_ENOUGH)
                 & (sources["drug"] == "fasoracetam"))
    missing = sorted(sources.loc[can_carry & sources["design"].isna(), "source"])
    assert not missing, f"data/sources.csv, column design: empty for {missing}"
    stray = sorted(sources.loc[~can_carry & sources["design"].notna(), "source"])
    assert not stray, f"data/sources.csv, column design: given for sources that carry no design: {stray}"
    assert (sources["design"].isna() == sources["design_basis"].isna()).all(), "a design without its basis, or the reverse"
