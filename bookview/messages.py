"""Key messages: two to four sentences at the top of a page, with the certainty said in GRADE's
words (GRADE guideline 26, "informative statements"), written from the data.

The proposition of each message (subject, verb, what it would do) is in ``key_messages.csv``;
its certainty comes from the summary of findings (``certainty.csv``) for an outcome, or from
the claims ledger for a group of claims; the evidence clause after it is counted from the same
tables. If a certainty changes, the sentence changes with it.
"""
from __future__ import annotations

import pandas as pd

import os
import re

from .glue import count_phrase
from .tables import NO_EVIDENCE, certainty_shown

#: GRADE's certainty levels, spelled as the summary of findings and the ledger spell them.
LEVELS = ["high", "moderate", "low", "very low"]


def certainty_level(value: str) -> str:
    """One spelling for a certainty: 'very-low' (ledger) and 'very low' (summary) are one level."""
    level = str(value).replace("-", " ").strip().lower()
    if level not in LEVELS:
        raise ValueError(f"not a GRADE certainty: {value!r}")
    return level


def informative_statement(certainty: str, subject: str, verb_base: str, verb_third: str, rest: str) -> str:
    """GRADE's informative statement: high "X improves Y", moderate "X probably improves Y",
    low "X may improve Y", very low "We are very uncertain whether X improves Y"."""
    level = certainty_level(certainty)
    if level == "high":
        sentence = f"{subject} {verb_third} {rest}"
    elif level == "moderate":
        sentence = f"{subject} probably {verb_third} {rest}"
    elif level == "low":
        sentence = f"{subject} may {verb_base} {rest}"
    else:
        sentence = f"we are very uncertain whether {subject} {verb_third} {rest}"
    return sentence[0].upper() + sentence[1:] + "."


def _best(levels) -> str:
    return min((certainty_level(v) for v in levels), key=LEVELS.index)


def trial_names(ids: list[str], studies: pd.DataFrame) -> list[str]:
    """The names of the trials the study records ``ids`` belong to, a trial's parts named once
    ("ASCEND part A" and "ASCEND part B" are "ASCEND (2 parts)")."""
    records = studies.set_index("study_id").loc[ids]
    shown = []
    for _, parts in records.groupby("trial", sort=False):
        if len(parts) == 1:
            shown.append(parts["name"].iloc[0])
        else:
            stem = re.sub(r"\s+part\s*$", "", os.path.commonprefix(list(parts["name"])).strip())
            shown.append(f"the {len(parts)} parts of {stem}")
    return [name.split(" (")[0] for name in shown]


def _outcome_clause(row: pd.Series, studies: pd.DataFrame) -> str:
    """"Certainty: very low. Evidence: randomized, from SAGA; results known only from company statements."""
    names = trial_names(row["studies"].split(";"), studies)
    evidence = f"{row['design']}, from " + " and ".join(names)
    if row["source_kind"] == "company-statement":
        evidence += "; results known only from company statements"
    return f"Certainty: {certainty_level(row['certainty'])}. Evidence: {evidence}."


VERDICT_ORDER = ["supported", "partly-supported", "unsupported", "contradicted"]


def verdict_counts(claims: pd.DataFrame) -> str:
    """"2 supported, 0 partly supported, ..." for a group of claims."""
    counts = claims["verdict"].value_counts()
    return ", ".join(f"{int(counts.get(v, 0))} {v.replace('-', ' ')}" for v in VERDICT_ORDER)


def _claims_clause(claims: pd.DataFrame) -> str:
    """"Of the 10 popular claims on safety: 0 supported, ... Certainty: very low for all."""
    topics = " or ".join(dict.fromkeys(claims["topic"]))
    counted = f"Of the {count_phrase(len(claims), 'popular claim')} on {topics}: {verdict_counts(claims)}."
    graded = claims[certainty_shown(claims) != NO_EVIDENCE]
    none = len(claims) - len(graded)
    if graded.empty:  # GRADE rates a body of evidence; where there is none, the book says so
        return f"{counted} No evidence was found for any of them."
    level = _best(graded["certainty"])
    spread = ("all" if none == 0 else f"the {len(graded)} with any evidence") \
        if graded["certainty"].map(certainty_level).eq(level).all() else "the best of them"
    return f"{counted} Certainty: {level} for {spread}" + (f"; no evidence found for {none}." if none else ".")


def key_messages(page: str, messages: pd.DataFrame, certainty: pd.DataFrame, claims: pd.DataFrame,
                 studies: pd.DataFrame, endpoints: pd.DataFrame) -> list[str]:
    """The key messages of ``page``, in order: each a GRADE statement with its evidence clause."""
    rows = messages[messages["page"] == page].sort_values("order")
    if not 2 <= len(rows) <= 4:
        raise ValueError(f"page {page!r} has {len(rows)} key messages; two to four are wanted")
    outcomes = certainty.set_index("outcome_key")
    out = []
    for row in rows.itertuples():
        targets = row.target.split(";")
        if row.kind == "outcome":
            outcome = outcomes.loc[targets[0]]
            level, clause = outcome["certainty"], _outcome_clause(outcome, studies)
        elif row.kind in ("claims", "verdicts"):
            chosen = claims[claims["topic"].isin(targets)]
            if chosen.empty:
                raise ValueError(f"key message {row.message_id}: no claim has topic {targets}")
            with_evidence = chosen[chosen["evidence"] != "none"]
            if row.kind == "verdicts":
                # Claims about records and gaps: the verdicts themselves, not a hedged effect.
                counts = chosen["verdict"].value_counts()
                n = {v: int(counts.get(v, 0)) for v in VERDICT_ORDER}
                out.append(f"Of the {count_phrase(len(chosen), 'popular claim')} {row.rest}, the sources reviewed "
                           f"support {n['supported']}, partly support {n['partly-supported']}, leave "
                           f"{n['unsupported']} unsupported and contradict {n['contradicted']}.")
                continue
            # The statement's certainty is the best of the claims that have any evidence; where none
            # has any, GRADE has nothing to rate and the statement keeps its lowest word.
            level = _best(with_evidence["certainty"]) if len(with_evidence) else "very low"
            clause = _claims_clause(chosen)
        else:
            raise ValueError(f"key message {row.message_id}: unknown kind {row.kind!r}")
        statement = informative_statement(level, row.subject, row.verb_base, row.verb_third, row.rest)
        out.append(f"{statement} {clause}")
    return out


def key_messages_markdown(page: str, tables: dict[str, pd.DataFrame], search_log: pd.DataFrame) -> str:
    """The key messages as a MyST admonition, then when the sources were last searched."""
    from .tables import escape_markdown, escape_with_terms

    lines = key_messages(page, tables["key_messages"], tables["certainty"], tables["claims"],
                         tables["studies"], tables["endpoints"])
    dated = pd.to_datetime(search_log["date"], format="%Y-%m-%d", errors="coerce").dropna()
    last = dated.max().strftime("%d %B %Y").lstrip("0") if len(dated) else "not recorded"
    body = "\n".join(f"- {escape_with_terms(line)}" for line in lines)
    return (f":::{{admonition}} Key messages\n:class: tip\n\n{body}\n\n"
            f"How up to date is this evidence: the sources were last searched on {escape_markdown(last)}.\n:::\n")
