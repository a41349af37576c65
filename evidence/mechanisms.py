"""Counting the mechanism evidence: findings and the papers (distinct sources) they come from,
kept apart, so that several findings of one paper are never counted as several studies."""
from __future__ import annotations

import pandas as pd

TITLE_ONLY = ("title only", "citation only")
ABSTRACT_OR_MORE = ("full text", "abstract")


def count_text(n: int, singular: str, plural: str) -> str:
    """``n`` with the noun in the right number: "1 study", "3 studies", "0 studies"."""
    return f"{int(n)} {singular if int(n) == 1 else plural}"


def with_study(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings that rest on a study (not a claim for which no study was found)."""
    return findings[findings["evidence_kind"] != "no study"]


def mechanism_counts(findings: pd.DataFrame) -> dict[str, int]:
    """Findings and papers, counted separately: ``findings_*`` count rows of ``mechanisms``;
    ``papers_*`` count distinct sources among the findings that rest on a study."""
    studied = with_study(findings)
    papers = studied.drop_duplicates("source")
    counts = {
        "findings_count": len(findings),
        "findings_with_study": len(studied),
        "findings_abstract_or_more": int(studied["read"].isin(ABSTRACT_OR_MORE).sum()),
        "findings_title_or_citation": int(studied["read"].isin(TITLE_ONLY).sum()),
        "papers_count": int(studied["source"].nunique()),
        "papers_full_text": int((papers["read"] == "full text").sum()),
        "papers_abstract_or_more": int(papers["read"].isin(ABSTRACT_OR_MORE).sum()),
        "papers_title_or_citation": int(papers["read"].isin(TITLE_ONLY).sum()),
        "systems_count": int(findings["system"].nunique()),
    }
    for kind, key in (("human", "human"), ("animal", "animal"), ("in-vitro", "in_vitro"), ("kind not known", "kind_unknown")):
        counts[f"findings_{key}"] = int((findings["evidence_kind"] == kind).sum())
        counts[f"papers_{key}"] = int(studied.loc[studied["evidence_kind"] == kind, "source"].nunique())
    depths = studied.groupby("source")["read"].nunique()
    if (depths > 1).any():
        raise ValueError("mechanisms.csv: paper(s) recorded as read to different depths in different rows: "
                         + ", ".join(depths[depths > 1].index) + "; make their rows agree")
    return counts


def system_papers(findings: pd.DataFrame, system: str) -> dict[str, str | int]:
    """For one system: how many papers stand behind its findings, how many are known only by a
    title or citation, and their species."""
    studied = with_study(findings)
    part = studied[studied["system"] == system].drop_duplicates("source")
    species = sorted(set(part["species"].dropna()))
    return {"papers": len(part), "title_only": int(part["read"].isin(TITLE_ONLY).sum()),
            "species": ", ".join(species) if species else "species not known"}
