"""How many studies, trials and participants: the one count every page uses.

A *study record* is a row of ``studies.csv``. A *trial* is what the sources describe as one
trial: the parts of one trial (ASCEND's parts A and B) share a ``trial`` id and count once.
Only trials whose drug is fasoracetam are counted as trials of fasoracetam; a trial of a code
name whose identity with fasoracetam is uncertain (``drug_identity == "uncertain"``) is counted
apart, and a study that gave no drug is not a trial at all.

A trial's primary-endpoint result is the result all its parts share; parts that disagree
make it ``mixed``. The kind of source behind the result is kept too, so that a page can say
how many results are known only from a company statement.
"""
from __future__ import annotations

import pandas as pd

#: Which enrollment figure describes a study's size, best first.
SIZE_STAGES = ["enrolled", "started", "target", "planned"]
#: Sizes that count people who took part (the others are plans or targets).
ACTUAL_STAGES = {"enrolled", "started"}


def is_randomized(facts: pd.DataFrame) -> pd.Series:
    """Per study id: whether its allocation or design fact says it was randomized."""
    wide = facts[facts["field"].isin(["allocation", "design"])]
    randomized = wide["value"].str.startswith("randomized")
    return randomized.groupby(wide["study_id"]).any()


def study_size(enrollment: pd.DataFrame) -> pd.DataFrame:
    """Per study: the best available number of participants and what it is (enrolled, target...)."""
    whole = enrollment[enrollment["arm"] == "all"]
    started = enrollment[enrollment["stage"] == "started"].groupby("study_id", as_index=False)["n"].sum()
    started["stage"] = "started"
    candidates = pd.concat([whole[["study_id", "stage", "n"]], started[["study_id", "stage", "n"]]])
    candidates = candidates[candidates["stage"].isin(SIZE_STAGES)].copy()
    candidates["rank"] = candidates["stage"].map(SIZE_STAGES.index)
    best = candidates.sort_values(["study_id", "rank"]).drop_duplicates("study_id")
    return best.rename(columns={"stage": "n_basis"})[["study_id", "n", "n_basis"]].reset_index(drop=True)


def _shared(values: pd.Series) -> str:
    distinct = values.dropna().unique()
    return distinct[0] if len(distinct) == 1 else "mixed"


def trial_table(studies: pd.DataFrame, facts: pd.DataFrame, enrollment: pd.DataFrame,
                endpoints: pd.DataFrame) -> pd.DataFrame:
    """One row per trial (parts merged): its records, drug identity, randomization, result and size.

    ``n`` adds the parts' actual sizes only when every part's size is actual (enrolled or
    started); otherwise ``n_known`` is false and ``n`` stays missing.
    """
    records = studies[["study_id", "name", "trial", "drug_identity"]].copy()
    randomized = is_randomized(facts)
    records["randomized"] = records["study_id"].map(randomized).fillna(False).astype(bool)
    by_study = endpoints.set_index("study_id")
    records["result"] = records["study_id"].map(by_study["result"])
    records["result_source_kind"] = records["study_id"].map(by_study["source_kind"])
    size = study_size(enrollment).set_index("study_id")
    records["n"] = records["study_id"].map(size["n"])
    records["n_basis"] = records["study_id"].map(size["n_basis"])
    rows = []
    for trial, parts in records.groupby("trial", sort=False):
        actual = parts["n_basis"].isin(ACTUAL_STAGES).all()
        rows.append({
            "trial": trial,
            "records": ";".join(parts["study_id"]),
            "parts": len(parts),
            "drug_identity": _shared(parts["drug_identity"]),
            "randomized": bool(parts["randomized"].all()),
            "result": _shared(parts["result"]),
            "result_source_kind": _shared(parts["result_source_kind"]),
            "n_known": bool(actual),
            "n": int(parts["n"].sum()) if actual else pd.NA,
        })
    frame = pd.DataFrame(rows)
    frame["n"] = pd.array(frame["n"], dtype="Int64")
    return frame


def trial_counts(studies: pd.DataFrame, facts: pd.DataFrame, enrollment: pd.DataFrame,
                 endpoints: pd.DataFrame) -> dict[str, int]:
    """The counts every page shows, from :func:`trial_table`.

    - ``records``: rows of studies.csv; ``no_drug``: studies that gave no drug;
    - ``trials``: trials of fasoracetam (parts counted once); ``randomized`` of them;
    - ``met`` / ``randomized_not_met``: primary endpoints the sources report as met, and
      randomized trials whose primary endpoint the company announced as not met;
    - ``randomized_company_only``: randomized trials whose primary result is known only from a
      company statement;
    - ``result_not_reported``: trials of fasoracetam whose primary result is not reported;
    - ``randomized_participants``: people enrolled in randomized trials of fasoracetam, over
      the trials whose size is known; ``randomized_size_unknown``: the trials whose size is not;
    - ``uncertain_identity``: trials of a drug whose identity with fasoracetam is uncertain
      (shown apart); ``uncertain_randomized`` of them; ``uncertain_participants``.
    """
    table = trial_table(studies, facts, enrollment, endpoints)
    fasoracetam = table[table["drug_identity"] == "fasoracetam"]
    randomized = fasoracetam[fasoracetam["randomized"]]
    known = randomized[randomized["n_known"]]
    uncertain = table[table["drug_identity"] == "uncertain"]
    return {
        "records": len(studies),
        "no_drug": int((table["drug_identity"] == "no-drug").sum()),
        "trials": len(fasoracetam),
        "randomized": len(randomized),
        "met": int((fasoracetam["result"] == "met").sum()),
        "randomized_not_met": int((randomized["result"] == "not-met").sum()),
        "randomized_company_only": int((randomized["result_source_kind"] == "company-statement").sum()),
        "result_not_reported": int((fasoracetam["result"] == "not-reported").sum()),
        "randomized_participants": int(known["n"].sum()),
        "randomized_size_unknown": len(randomized) - len(known),
        "uncertain_identity": len(uncertain),
        "uncertain_randomized": int(uncertain["randomized"].sum()),
        "uncertain_participants": int(uncertain["n"].fillna(0).sum()),
    }
