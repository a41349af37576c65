"""The PRISMA 2020 flow of the review, counted from the tables (``sources``, ``screening``, ``excluded``).

The rules, in the terms of the PRISMA 2020 flow diagram for new reviews:

* **Records identified** are the sources read as evidence (``screening.role == "evidence"``) and
  the rows of ``excluded.csv`` that are records of their own (no ``source`` key) and were
  identified somewhere (``identified_in`` given). Something searched for and never found is
  not a record, and is not counted.
* **Records excluded** at screening: records of their own with outcome ``excluded``.
* **Reports sought for retrieval**: the records left after screening, plus the further reports
  sought for an included source (rows of ``excluded.csv`` with a ``source`` key of an evidence
  source and outcome ``not readable``: a full text, posted results).
* **Reports not retrieved**: evidence sources read only as a title or a citation, records of
  their own that were ``not readable``, and the further reports that were ``not readable``.
  (A row ``not found`` with a ``source`` key is the missing abstract of a source already counted
  through how much of it was read, so it is not counted twice.)
* **Reports assessed** = sought minus not retrieved; none was excluded after assessment, so the
  **reports included** are the evidence sources read as an abstract, a full text or a registry
  record, and the **studies included** are the distinct studies those reports describe.
* **Objects of review** (the popular pages, and what they cite that does not study fasoracetam)
  and **method references** (scale wording, dose-conversion factors) are counted apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: How much of a source was read, for a report that was not retrieved (sources.csv ``read``).
NOT_RETRIEVED_READ = ("title-only", "citation-only")
#: PRISMA 2020's places of identification, in the order the flow lists them.
IDENTIFIED_IN = ("bibliographic databases", "trial registers", "websites", "citation searching")


@dataclass(frozen=True)
class PrismaFlow:
    identified: int
    identified_by: dict[str, int]
    never_found: int
    screened: int
    excluded_at_screening: int
    sought: int
    sought_further_reports: int
    not_retrieved: int
    not_retrieved_title_or_citation: int
    not_retrieved_unreadable: int
    assessed: int
    excluded_after_assessment: int
    reports_included: int
    reports_of_studies: int
    other_included: int
    studies_included: int
    studies: list[str] = field(default_factory=list)
    objects_of_review: int = 0
    method_references: int = 0
    method_reports_not_retrieved: int = 0

    def steps(self) -> pd.DataFrame:
        """The flow as rows (stage, step, count), top to bottom, for a table and for the chart."""
        rows = [("Identification", f"Records identified in {place}", n) for place, n in self.identified_by.items()]
        rows += [
            ("Identification", "Records identified, in all", self.identified),
            ("Screening", "Records screened", self.screened),
            ("Screening", "Records excluded", self.excluded_at_screening),
            ("Retrieval", "Reports sought for retrieval", self.sought),
            ("Retrieval", "Reports not retrieved", self.not_retrieved),
            ("Eligibility", "Reports assessed for eligibility", self.assessed),
            ("Eligibility", "Reports excluded after assessment", self.excluded_after_assessment),
            ("Included", "Studies included", self.studies_included),
            ("Included", "Reports of included studies", self.reports_of_studies),
            ("Included", "Other sources included (not reports of a study)", self.other_included),
            ("Included", "Reports included, in all", self.reports_included),
            ("Apart", "Objects of review (popular pages and what they cite off topic)", self.objects_of_review),
            ("Apart", "Method references", self.method_references),
            ("Not counted", "Searched for and never found", self.never_found),
        ]
        return pd.DataFrame(rows, columns=["stage", "step", "count"])


def prisma_flow(sources: pd.DataFrame, screening: pd.DataFrame, excluded: pd.DataFrame) -> PrismaFlow:
    """Count the PRISMA 2020 flow from the three tables (see the module's docstring for the rules).

    Raises ``ValueError`` naming the keys when a source has no row in ``screening.csv``: every
    source must be given its role before the flow can be counted.
    """
    missing = sorted(set(sources["source"]) - set(screening["source"]))
    if missing:
        raise ValueError("data/screening.csv has no row for the source(s) " + ", ".join(missing)
                         + " of data/sources.csv; give each its role, where it was identified and its study")
    merged = sources.merge(screening, on="source", how="left", validate="one_to_one")
    evidence = merged[merged["role"] == "evidence"]
    evidence_keys = set(evidence["source"])

    own = excluded[excluded["source"].isna()]
    own_records = own[own["identified_in"].notna()]
    never_found = int(own["identified_in"].isna().sum())
    further = excluded[excluded["source"].isin(evidence_keys)]
    further_unreadable = further[further["outcome"] == "not readable"]

    identified_by = {}
    for place in IDENTIFIED_IN:
        n = int((evidence["identified_in"] == place).sum() + (own_records["identified_in"] == place).sum())
        if n:
            identified_by[place] = n
    identified = len(evidence) + len(own_records)
    excluded_at_screening = int((own_records["outcome"] == "excluded").sum())
    screened = identified
    sought = screened - excluded_at_screening + len(further_unreadable)
    title_or_citation = int(evidence["read"].isin(NOT_RETRIEVED_READ).sum())
    unreadable = int((own_records["outcome"] == "not readable").sum()) + len(further_unreadable)
    not_retrieved = title_or_citation + unreadable
    assessed = sought - not_retrieved
    included = evidence[~evidence["read"].isin(NOT_RETRIEVED_READ)]
    studies = sorted(set(included["study"].dropna()))
    methods = merged[merged["role"] == "method reference"]
    method_reports = excluded[excluded["source"].isin(set(methods["source"]))]
    flow = PrismaFlow(
        identified=identified, identified_by=identified_by, never_found=never_found, screened=screened,
        excluded_at_screening=excluded_at_screening, sought=sought, sought_further_reports=len(further_unreadable),
        not_retrieved=not_retrieved, not_retrieved_title_or_citation=title_or_citation,
        not_retrieved_unreadable=unreadable, assessed=assessed, excluded_after_assessment=0,
        reports_included=len(included), reports_of_studies=int(included["study"].notna().sum()),
        other_included=int(included["study"].isna().sum()), studies_included=len(studies), studies=studies,
        objects_of_review=int((merged["role"] == "object of review").sum()),
        method_references=len(methods), method_reports_not_retrieved=len(method_reports))
    if flow.assessed - flow.excluded_after_assessment != flow.reports_included:
        raise ValueError(f"the PRISMA flow does not add up: {flow.assessed} reports assessed, "
                         f"{flow.reports_included} included; check data/screening.csv and data/excluded.csv")
    return flow


_RANDOMIZED = r"(?<![Nn]on-)(?<![Nn]on)\brandomi[sz]ed"


def randomized_study_ids(study_facts: pd.DataFrame) -> list[str]:
    """Studies whose design or allocation, as the sources give it, is randomized."""
    facts = study_facts[study_facts["field"].isin(["design", "allocation"])]
    hits = facts[facts["value"].str.contains(_RANDOMIZED, regex=True, na=False)]
    return sorted(set(hits["study_id"]))


def randomized_result_kinds(study_facts: pd.DataFrame, outcomes: pd.DataFrame) -> pd.Series:
    """How many outcome values of the randomized studies come from each kind of source."""
    rows = outcomes[outcomes["study_id"].isin(randomized_study_ids(study_facts))]
    return rows["source_kind"].value_counts()


def share_words(part: int, whole: int, noun: str) -> str:
    """How many of ``whole`` things ``part`` is, in words the data decide: "all 6 papers",
    "none of the 7 papers", "5 of the 7 papers"."""
    if whole <= 0 or not 0 <= part <= whole:
        raise ValueError(f"cannot say {part} of {whole}")
    if part == whole:
        return f"all {whole} {noun}" if whole > 1 else f"the one {noun}"
    if part == 0:
        return f"none of the {whole} {noun}"
    return f"{part} of the {whole} {noun}"
