"""Harms: what small trials can rule out and how long people were dosed (the one placebo-compared
acceptability figure is :func:`evidence.trials.flow_difference`). Functions take validated frames."""
from __future__ import annotations

import pandas as pd

from .stats import zero_event_upper_bound

#: The groups of people known to have been given fasoracetam, for the zero-event bound: study,
#: arm, enrollment stage, and which participants that stage counts. The NB-001 trial in
#: 22q11.2 deletion syndrome is not here: only an encyclopedia states that NB-001 is fasoracetam
#: (the evidence either way is set out in the chapter on what fasoracetam is).
EXPOSED_GROUPS = [
    ("great", "all", "enrolled", "single group: every enrolled participant was assigned the drug (actual enrollment)"),
    ("saga", "drug", "safety population", "the safety population of the drug arm (participant flow)"),
    ("pk_paediatric", "all", "target", "target enrollment, not people known to have taken the drug: the actual number was not found"),
]


def zero_event_bounds(enrollment: pd.DataFrame, studies: pd.DataFrame, groups=EXPOSED_GROUPS) -> pd.DataFrame:
    """For each group on drug: ``n``, which participants it counts, whether the number is an actual
    count (``actual``: not a target), the rule of three (3/n, %) and the exact one-sided 95%
    upper bound when 0 of n had an event (%), and ``one_in`` = 1 / exact bound, rounded.

    Raises ``ValueError`` for a group whose study is not recorded as a study of fasoracetam
    (``studies.drug_identity``)."""
    flow = enrollment.set_index(["study_id", "arm", "stage"])["n"]
    identity = dict(zip(studies["study_id"], studies["drug_identity"]))
    study_names = dict(zip(studies["study_id"], studies["name"]))
    rows = []
    for study, arm, stage, basis in groups:
        if identity.get(study) != "fasoracetam":
            raise ValueError(f"studies.csv, study {study}, column drug_identity: {identity.get(study)!r}; "
                             "only people given fasoracetam count towards its zero-event bounds")
        n = int(flow[(study, arm, stage)])
        exact = zero_event_upper_bound(n)
        rows.append({"study_id": study, "study": study_names[study], "n": n, "stage": stage, "basis": basis,
                     "actual": stage not in ("target", "planned"), "rule": 100 * 3 / n, "exact": 100 * exact,
                     "one_in": round(1 / exact)})
    return pd.DataFrame(rows)


def longest_dosing(schedule: pd.DataFrame, study_names: dict[str, str]) -> tuple[int, str]:
    """The longest run of weeks on drug in the trial schedules read (``doses`` rows with a dose
    above zero), and the study it belongs to."""
    on_drug = schedule[schedule["mg_high"].fillna(0) > 0]
    weeks = (on_drug["week_to"] - on_drug["week_from"] + 1).groupby(on_drug["study_id"]).sum()
    study = weeks.idxmax()
    return int(weeks.max()), study_names[study]
