"""Frames for the ADHD trials chapter, built from validated tables (never from files).

Each function takes DataFrames from :func:`evidence.data.load_table` and returns a new frame;
numbers the sources do not give stay missing (``<NA>``) rather than being filled in.
"""
from __future__ import annotations

import pandas as pd

from .dates import partial_date_bounds
from .stats import count_from_percent, number_needed_to_treat, proportion_ci, risk_difference_ci

#: How the book names each primary-endpoint result, in the order the charts list them.
ENDPOINT_LABELS = {
    "met": "met",
    "not-met": "not met",
    "not-reported": "result not reported",
    "not-applicable": "no drug given",
}
#: Which enrollment figure describes a study's size, best first.
SIZE_STAGES = ["enrolled", "started", "target", "planned"]


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


def study_overview(studies: pd.DataFrame, facts: pd.DataFrame, enrollment: pd.DataFrame,
                   endpoints: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per study: its name, design fields (wide), size, primary endpoint and first date.

    ``first_date`` is the earliest date events.csv gives for the study (its start, or its end
    where only the end is known; a partial date at the start of the period it names), with
    ``first_date_label`` saying what that event is.
    """
    wide = facts.pivot(index="study_id", columns="field", values="value")
    overview = studies[["study_id", "name", "registry_id", "sponsor", "population"]].set_index("study_id").join(wide)
    overview = overview.join(study_size(enrollment).set_index("study_id"))
    overview = overview.join(endpoints.set_index("study_id")[["result"]].rename(columns={"result": "endpoint"}))
    overview["endpoint_label"] = overview["endpoint"].map(ENDPOINT_LABELS)
    dated = events[events["study_id"].notna() & (events["start"].notna() | events["end"].notna())].copy()
    dated["given"] = dated["start"].fillna(dated["end"])
    dated["date"] = [pd.Timestamp(partial_date_bounds(d)[0]) for d in dated["given"]]
    dated["text"] = [s if pd.notna(s) else f"ended {e}" for s, e in zip(dated["start"], dated["end"])]
    first = dated.sort_values("date").drop_duplicates("study_id").set_index("study_id")
    overview["first_date"] = first["date"]
    overview["first_date_text"] = first["text"]
    overview["first_date_label"] = first["label"]
    return overview.reset_index()


def dose_steps(doses: pd.DataFrame) -> pd.DataFrame:
    """The schedules in long form: one row per study, span of weeks and unit (per administration, per day).

    Weeks are drawn as spans centred on their number: week w covers [w - 0.5, w + 0.5]. mg per day is derived as mg per
    administration times administrations per day; it stays missing where either is unreported.
    Placebo and off-drug weeks are 0 mg in both units.
    """
    rows = []
    for _, row in doses.iterrows():
        for unit in ("mg per administration", "mg per day"):
            factor = 1 if unit == "mg per administration" else row["times_per_day"]
            zero = row["mg_high"] == 0
            if pd.isna(factor) and not zero:
                low = high = pd.NA
            else:
                factor = 1 if zero else factor
                low = row["mg_low"] * factor if pd.notna(row["mg_low"]) else pd.NA
                high = row["mg_high"] * factor
            rows.append({"study_id": row["study_id"], "phase": row["phase"], "unit": unit,
                         "x0": int(row["week_from"]) - 0.5, "x1": int(row["week_to"]) + 0.5,
                         "weeks": (f"week {row['week_from']}" if row["week_from"] == row["week_to"]
                                   else f"weeks {row['week_from']} to {row['week_to']}"),
                         "low": low, "high": high, "low_reported": pd.notna(row["mg_low"]),
                         "dose_text": _dose_text(low, high, unit),
                         "derived": unit == "mg per day" and not zero and factor != 1,
                         "times_per_day": row["times_per_day"], "rule": row["rule"],
                         "source": row["source"], "locator": row["locator"], "source_kind": row["source_kind"],
                         "note": row["note"]})
    frame = pd.DataFrame(rows)
    frame["low"] = pd.array(frame["low"], dtype="Float64")
    frame["high"] = pd.array(frame["high"], dtype="Float64")
    return frame


def _dose_text(low, high, unit: str) -> str:
    unit_text = "mg" if unit == "mg per administration" else "mg a day"
    if pd.isna(high):
        return "not reported in the sources reviewed"
    if high == 0:
        return "none (0 mg)"
    if pd.isna(low):
        return f"up to {high:g} {unit_text} (steps not reported)"
    return f"{low:g} to {high:g} {unit_text}"


def response_rates(outcomes: pd.DataFrame, enrollment: pd.DataFrame) -> pd.DataFrame:
    """Every reported percentage of responders, with a derived count and a Wilson 95% interval
    where a denominator can be attached.

    The count is rebuilt from the percentage and the enrollment figure named in
    ``denominator_stage``; a count half-way between two whole numbers is resolved against the
    drug (the lower drug count, the higher placebo count). Rows without a denominator keep
    their percentage and get no count and no interval.
    """
    rates = outcomes[outcomes["statistic"] == "percent"].copy()
    flow = enrollment.set_index(["study_id", "arm", "stage"])["n"]
    records = []
    for _, row in rates.iterrows():
        record = {"outcome_id": row["outcome_id"], "study_id": row["study_id"], "measure": row["measure"],
                  "analysis": row["analysis"], "arm": row["arm"], "percent": float(row["value"]),
                  "source": row["source"], "total": pd.NA, "count": pd.NA, "low": pd.NA, "high": pd.NA,
                  "rule": "no denominator reported; no count or interval derived", "reproduces": pd.NA}
        if pd.notna(row["denominator_stage"]):
            total = int(flow[(row["study_id"], row["arm"], row["denominator_stage"])])
            derived = count_from_percent(float(row["value"]), total,
                                         prefer="lower" if row["arm"] == "drug" else "higher")
            ci = proportion_ci(derived.count, total, method="wilson")
            record.update(total=total, count=derived.count, low=100 * ci.low, high=100 * ci.high,
                          rule=derived.rule, reproduces=derived.reproduces)
        records.append(record)
    frame = pd.DataFrame(records)
    for col in ("total", "count"):
        frame[col] = pd.array(frame[col], dtype="Int64")
    for col in ("low", "high"):
        frame[col] = pd.array(frame[col], dtype="Float64")
    frame["reproduces"] = pd.array(frame["reproduces"], dtype="boolean")
    return frame


def drug_vs_placebo(rates: pd.DataFrame) -> pd.DataFrame:
    """Per measure with derived counts in both arms: risk difference (drug minus placebo, in
    percentage points) with Newcombe's 95% interval, and the NNT with its interval where the
    risk difference's interval excludes zero."""
    records = []
    counted = rates[rates["count"].notna()]
    for (study, measure, _), group in counted.groupby(["study_id", "measure", "analysis"], sort=False):
        arms = group.set_index("arm")
        if not {"drug", "placebo"} <= set(arms.index):
            continue
        drug, placebo = arms.loc["drug"], arms.loc["placebo"]
        rd = risk_difference_ci(int(drug["count"]), int(drug["total"]), int(placebo["count"]), int(placebo["total"]))
        nnt = number_needed_to_treat(rd)
        records.append({"study_id": study, "measure": measure, "analysis": drug["analysis"],
                        "rd": 100 * rd.difference, "rd_low": 100 * rd.low, "rd_high": 100 * rd.high,
                        "nnt": nnt.estimate if nnt else pd.NA, "nnt_low": nnt.low if nnt else pd.NA,
                        "nnt_high": nnt.high if nnt else pd.NA, "method": rd.method})
    frame = pd.DataFrame(records)
    for col in ("nnt", "nnt_low", "nnt_high"):
        frame[col] = pd.array(frame[col], dtype="Float64")
    return frame


def summary_of_findings(certainty: pd.DataFrame, studies: pd.DataFrame, effects: dict[str, str],
                        participants: dict[str, str]) -> pd.DataFrame:
    """The summary-of-findings rows: outcome, studies by name, participants, effect, certainty, reasons.

    ``effects`` and ``participants`` map each ``outcome_key`` to the text the chapter computed
    from the data; an outcome without one raises, so no row is shown with a blank effect.
    """
    names = studies.set_index("study_id")["name"]
    missing = [k for k in certainty["outcome_key"] if k not in effects or k not in participants]
    if missing:
        raise KeyError(f"no computed effect or participant count for outcome(s) {missing}")
    return certainty.assign(
        study_names=[", ".join(names[s] for s in ids.split(";")) for ids in certainty["studies"]],
        participants=certainty["outcome_key"].map(participants),
        effect=certainty["outcome_key"].map(effects),
    )
