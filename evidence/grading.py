"""The rules that grade the claims ledger, written down once: the evidence kind of a claim,
its certainty and the verdicts it may take, as functions of its topic and of the sources in its
basis (``data/sources.csv``: kind of source, how much was read).

The ledger (``data/claims.csv``) stores the grades so that they can be read and charted;
``tests/test_grading.py`` checks every row against :func:`expected_grade`.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# --- what a source can show -----------------------------------------------------------------

#: What a source can show is data: ``data/sources.csv`` gives, for each peer-reviewed paper or
#: registry record on fasoracetam, the design of what it reports (column ``design``, read where
#: ``design_basis`` says), and names the sources about NB-001 (column ``drug``), which may not
#: stand behind any claim about fasoracetam. A company statement and a tertiary page carry their
#: own kind, whatever design they describe; a regulator's document carries none (the claims
#: vocabulary has no word for it).


def nb001_sources(sources: pd.DataFrame) -> set[str]:
    """The sources about NB-001, whose identity with fasoracetam is uncertain."""
    return set(sources.loc[sources["drug"] == "NB-001", "source"])


#: How much of a source must have been read for it to carry its kind. A source known by its
#: title or a citation shows that a paper exists and what it is called, nothing more.
READ_ENOUGH = frozenset({"full-text", "abstract", "registry-record"})

#: Evidence kinds from strongest to weakest: a claim's evidence is the strongest kind that a
#: source of its basis carries.
EVIDENCE_ORDER = ["human-controlled", "human-uncontrolled", "company-statement", "animal", "in-vitro",
                  "tertiary", "none"]
PRIMARY = frozenset({"human-controlled", "human-uncontrolled", "animal", "in-vitro"})

# --- what a claim asserts ---------------------------------------------------------------------

#: Topic → class of claim. An effect claim says what the drug does; a record claim says what a
#: study, document or programme is or was; a gap claim says that data are missing.
TOPIC_CLASS = {
    "identity": "record", "history": "record", "legal": "record", "trial description": "record",
    "literature": "record",
    "mechanism": "effect", "efficacy": "effect", "safety": "effect", "pharmacokinetics": "effect",
    "dosing": "effect",
    "evidence gaps": "gap",
}

VERDICTS = ["supported", "partly-supported", "unsupported", "contradicted"]
CERTAINTIES = ["high", "moderate", "low", "very-low"]

#: The decision table for certainty: (class of claim, evidence kind) → (certainty, why).
#: Certainty is GRADE's: how confident we are that the evidence reflects the truth of what the
#: claim asserts. Record claims whose basis mixes a primary record with a company statement or a
#: tertiary page take the ``record-mixed`` row instead of the primary row.
CERTAINTY_RULES: list[tuple[str, str, str, str]] = [
    ("effect", "human-controlled", "low",
     "Starts high (randomized); rated down twice: one small trial per result, known only from an abstract or a registry record."),
    ("effect", "human-uncontrolled", "very-low",
     "Starts low (no randomized comparison); rated down for risk of bias: no parallel control group."),
    ("effect", "company-statement", "very-low",
     "The sponsor's own selected result without data: rated down for risk of bias and imprecision (and, where the summary of findings does so, for suspected publication bias)."),
    ("effect", "animal", "very-low",
     "An animal result about a claim made for people: starts low and is rated down for indirectness."),
    ("effect", "in-vitro", "very-low", "A laboratory result about a claim made for people: as for animal results."),
    ("effect", "tertiary", "very-low", "Only an encyclopedia, vendor or popular page says so: no study to rate."),
    ("effect", "none", "very-low", "Nothing bears on the claim: there is no evidence to be confident in."),
    ("record", "primary", "high",
     "The study's own record (abstract, registry) states the fact."),
    ("record", "record-mixed", "moderate",
     "A primary record states part of it; another part rests on a company statement or a tertiary page."),
    ("record", "company-statement", "low", "Only the sponsor's statement gives the fact."),
    ("record", "tertiary", "low", "Only an encyclopedia, vendor or popular page gives the fact."),
    ("record", "none", "very-low", "No source states the fact."),
    ("gap", "none", "low",
     "A search by one reviewer, mostly of abstracts, found no data; a full text or posted result might hold some."),
]

#: The verdicts each (class, evidence kind) may take. An effect claim about people needs a study
#: in people to be supported; nothing at all leaves a claim unsupported; a gap claim is supported
#: when the search found no data.
VERDICT_RULES: list[tuple[str, str, tuple[str, ...], str]] = [
    ("effect", "human", tuple(VERDICTS), "A study in people can support, partly support or contradict."),
    ("effect", "other", ("partly-supported", "unsupported", "contradicted"),
     "A company statement, an animal or laboratory study or a tertiary page cannot make a claim about people supported."),
    ("record", "primary", tuple(VERDICTS), "A primary record can support, partly support or contradict a fact."),
    ("record", "other", ("partly-supported", "unsupported", "contradicted"),
     "A company statement or tertiary page alone cannot make a fact supported."),
    ("effect", "none", ("unsupported",), "No source bears on the claim."),
    ("record", "none", ("unsupported",), "No source bears on the claim."),
    ("gap", "none", ("supported",), "The claim that data are missing holds when the search found none."),
]

# Claims graded differently from others on the same basis and evidence say why in
# ``data/claims.csv`` (column ``verdict_separation``): the reason is data, checked below.

#: The summary of findings writes GRADE's words with a space; the ledger with a hyphen.
SOF_WORDS = {"high": "high", "moderate": "moderate", "low": "low", "very low": "very-low"}


def ledger_certainty(sof_word: str) -> str:
    """The ledger's word for a certainty written as in ``data/certainty.csv``."""
    if sof_word not in SOF_WORDS:
        raise ValueError(f"certainty {sof_word!r} is not a GRADE word ({', '.join(SOF_WORDS)})")
    return SOF_WORDS[sof_word]


def split_keys(value) -> list[str]:
    """The keys of a ';'-separated cell (empty or missing → none)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or not str(value).strip():
        return []
    return str(value).split(";")


def source_evidence_kind(key: str, sources: pd.DataFrame) -> str:
    """The evidence kind a source carries ("none" when it was read by title or citation only)."""
    row = sources.set_index("source").loc[key]
    if row["read"] not in READ_ENOUGH:
        return "none"
    if row["source_kind"] == "regulator":
        # The claims vocabulary (the brief's CLAIMS.md) has no word for a regulator's document: it
        # carries no evidence kind of its own, and the claim's note says what it shows.
        return "none"
    if row["source_kind"] in ("company-statement", "tertiary"):
        return row["source_kind"]
    if not isinstance(row["design"], str):
        raise ValueError(f"data/sources.csv, source {key!r} ({row['source_kind']}), column design: empty; "
                         "give the design of what it reports (human-controlled, human-uncontrolled, animal, "
                         "in-vitro) and, in design_basis, where it was read")
    return row["design"]


@dataclass(frozen=True)
class Grade:
    evidence: str
    certainty: str
    verdicts: tuple[str, ...]
    certainty_rule: str


def expected_grade(claim: pd.Series, sources: pd.DataFrame, sof: pd.DataFrame | None = None) -> Grade:
    """What the decision tables give for one claim of the ledger."""
    cls = TOPIC_CLASS[claim["topic"]]
    kinds = [source_evidence_kind(k, sources) for k in split_keys(claim["basis"])]
    evidence = min(kinds + ["none"], key=EVIDENCE_ORDER.index)
    row_kind = evidence
    if cls == "record" and evidence in PRIMARY:
        row_kind = "record-mixed" if any(k in ("company-statement", "tertiary") for k in kinds) else "primary"
    certainty_rows = {(c, k): (cert, why) for c, k, cert, why in CERTAINTY_RULES}
    if (cls, row_kind) not in certainty_rows:
        raise ValueError(f"no certainty rule for a {cls} claim with evidence {row_kind!r} "
                         f"(claim {claim['claim_id']})")
    certainty, why = certainty_rows[(cls, row_kind)]
    outcome = claim.get("outcome_key")
    if sof is not None and isinstance(outcome, str) and outcome:
        certainty = ledger_certainty(sof.set_index("outcome_key").loc[outcome, "certainty"])
        why = f"the summary of findings' certainty for {outcome}"
    if evidence == "none":
        verdict_key = "none"
    elif cls == "effect":
        verdict_key = "human" if evidence in ("human-controlled", "human-uncontrolled") else "other"
    elif cls == "record":
        verdict_key = "primary" if evidence in PRIMARY else "other"
    else:
        verdict_key = evidence
    verdict_rows = {(c, k): v for c, k, v, _ in VERDICT_RULES}
    if (cls, verdict_key) not in verdict_rows:
        raise ValueError(f"no verdict rule for a {cls} claim with evidence {evidence!r} (claim {claim['claim_id']})")
    return Grade(evidence, certainty, verdict_rows[(cls, verdict_key)], why)


def grading_problems(claims: pd.DataFrame, sources: pd.DataFrame, sof: pd.DataFrame) -> list[str]:
    """Every place where the ledger differs from the decision tables, as 'data/claims.csv row N
    (Cxx), column: ...' messages."""
    problems = []
    nb001 = nb001_sources(sources)
    for i, claim in enumerate(claims.to_dict("records"), start=2):
        where = f"data/claims.csv row {i} ({claim['claim_id']})"
        used = set(split_keys(claim["basis"])) | set(split_keys(claim.get("checked")))
        for key in sorted(used & nb001):
            problems.append(f"{where}, column basis/checked: {key} is about NB-001, not a fasoracetam source")
        try:
            grade = expected_grade(claim, sources, sof)
        except ValueError as err:
            problems.append(f"{where}: {err}")
            continue
        if claim["evidence"] != grade.evidence:
            problems.append(f"{where}, column evidence: {claim['evidence']!r}, the basis gives {grade.evidence!r}")
        if claim["certainty"] != grade.certainty:
            problems.append(f"{where}, column certainty: {claim['certainty']!r}, the rules give "
                            f"{grade.certainty!r} ({grade.certainty_rule})")
        if claim["verdict"] not in grade.verdicts:
            problems.append(f"{where}, column verdict: {claim['verdict']!r} is not allowed for evidence "
                            f"{grade.evidence!r} (allowed: {', '.join(grade.verdicts)})")
    return problems


def certainty_rules_table() -> pd.DataFrame:
    """The certainty decision table, for the reader."""
    names = {"effect": "what the drug does", "record": "a fact about a study, document or programme",
             "gap": "that data are missing"}
    kinds = {"primary": "a primary record only (paper, registry)",
             "record-mixed": "a primary record with a company statement or tertiary page"}
    return pd.DataFrame([{"claim says": names[c], "best evidence": kinds.get(k, k), "certainty": cert, "why": why}
                         for c, k, cert, why in CERTAINTY_RULES])





def same_grade_problems(claims: pd.DataFrame) -> list[str]:
    """Claims with the same basis, evidence kind and class of claim that differ in certainty, or in
    verdict without a stated separation (column ``verdict_separation`` of ``data/claims.csv``)."""
    problems = []
    keyed = claims.assign(_basis=[frozenset(split_keys(b)) for b in claims["basis"]],
                          _class=claims["topic"].map(TOPIC_CLASS))
    for (basis, evidence, cls), group in keyed.groupby(["_basis", "evidence", "_class"]):
        if len(group) < 2 or not basis:
            continue
        ids = ", ".join(group["claim_id"])
        if group["certainty"].nunique() > 1:
            problems.append(f"data/claims.csv, column certainty: {ids} share basis and evidence {evidence!r} "
                            f"but differ: {', '.join(group['certainty'])}")
        unseparated = group[group["verdict_separation"].isna()]
        if unseparated["verdict"].nunique() > 1:
            problems.append(f"data/claims.csv, column verdict: {', '.join(unseparated['claim_id'])} share basis and "
                            f"evidence {evidence!r} but differ ({', '.join(unseparated['verdict'])}) with no stated "
                            "rule separating them")
    return problems
