"""Frames for the ADHD trials chapter, built from validated tables (never from files).

Each function takes DataFrames from :func:`evidence.data.load_table` and returns a new frame;
numbers the sources do not give stay missing (``<NA>``) rather than being filled in.
"""
from __future__ import annotations

import pandas as pd

from .counting import study_size
from .dates import partial_date_bounds
from .pharmacology import dose_range_text
from .stats import (TWO_PROPORTION_TESTS, count_from_percent, number_needed_to_treat, proportion_ci,
                    risk_difference_ci, rounds_to_printed, two_proportion_p)

#: How the book names each primary-endpoint result, in the order the charts list them.
ENDPOINT_LABELS = {
    "met": "met",
    "not-met": "not met",
    "not-reported": "result not reported",
    "not-applicable": "no drug given",
}
def study_overview(studies: pd.DataFrame, facts: pd.DataFrame, enrollment: pd.DataFrame,
                   endpoints: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per study: its name, design fields (wide), size, primary endpoint and first date.

    ``first_date`` is the earliest date events.csv gives for the study (its start, or its end
    where only the end is known; a partial date at the start of the period it names), with
    ``first_date_label`` saying what that event is.
    """
    own = ["study_id", "name", "drug_identity", "registry_id", "sponsor", "population"]
    wide = facts.pivot(index="study_id", columns="field", values="value")
    wide = wide.drop(columns=[c for c in own if c in wide.columns])  # the study's own row says these
    overview = studies[own].set_index("study_id").join(wide)
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
    overview["first_event_id"] = first["event_id"]
    return overview.reset_index()


def study_map_sources(overview: pd.DataFrame, studies: pd.DataFrame, facts: pd.DataFrame,
                      enrollment: pd.DataFrame, endpoints: pd.DataFrame, events: pd.DataFrame) -> list[pd.DataFrame]:
    """The rows behind the study map (:func:`bookview.charts.study_map_chart`): for each study it
    draws (those with a date), its own row, the design and ages it shows, the count it is sized by,
    its primary endpoint and the event that dates it."""
    drawn = overview[overview["first_date"].notna()]
    ids = set(drawn["study_id"])
    sizes = drawn[["study_id", "n_basis"]].dropna().rename(columns={"n_basis": "stage"})
    return [studies[studies["study_id"].isin(ids)],
            facts[facts["study_id"].isin(ids) & facts["field"].isin(["design", "ages"])],
            enrollment.merge(sizes, on=["study_id", "stage"]),  # the one count each study is sized by
            endpoints[endpoints["study_id"].isin(ids)],
            events[events["event_id"].isin(set(drawn["first_event_id"]))]]


def rate_sources(rates: pd.DataFrame, enrollment: pd.DataFrame) -> list[pd.DataFrame]:
    """The rows behind response rates: the percentages, and the participant-flow rows whose
    totals turn them into counts (:func:`response_rates`)."""
    used = rates.dropna(subset=["stage"])[["study_id", "arm", "stage"]].drop_duplicates()
    return [rates, enrollment.merge(used, on=["study_id", "arm", "stage"])]


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
    """A schedule step's dose in the book's one range format (:func:`evidence.pharmacology.dose_range_text`);
    placebo weeks read "none (0 mg)", and a ceiling without its steps says so."""
    if pd.notna(high) and high == 0:
        return "none (0 mg)"
    text = dose_range_text(low, high, unit)
    return text + " (steps not reported)" if pd.isna(low) and pd.notna(high) else text


def nearest_scale_point(scales: pd.DataFrame, scale: str, value: float) -> dict:
    """The point of ``scale`` (a scale of the scales table) nearest to ``value``, with its label.

    Returns ``point``, ``label``, ``distance`` and ``text``: "5 (markedly ill)" or, for a value
    half-way between two points, "half-way between 4 (moderately ill) and 5 (markedly ill)".
    A value outside the scale's points raises.
    """
    points = scales[scales["scale"] == scale].sort_values("point")
    if points.empty:
        raise KeyError(f"no scale named {scale!r} in the scales table")
    if not points["point"].min() <= value <= points["point"].max():
        raise ValueError(f"{value} lies outside the points of {scale} ({points['point'].min()} to {points['point'].max()})")
    distance = (points["point"].astype(float) - float(value)).abs()
    nearest = points[distance == distance.min()]
    labels = [f"{int(p)} ({lbl})" for p, lbl in zip(nearest["point"], nearest["label"])]
    text = labels[0] if len(labels) == 1 else f"half-way between {labels[0]} and {labels[1]}"
    first = nearest.iloc[0]
    return {"point": int(first["point"]), "label": str(first["label"]), "distance": float(distance.min()),
            "tie": len(labels) > 1, "text": text}


def compared_with(value: float, threshold: float) -> str:
    """"above", "below" or "equal to": how ``value`` stands to ``threshold``."""
    return "above" if value > threshold else "below" if value < threshold else "equal to"


def flow_difference(enrollment: pd.DataFrame, study: str, events_stage: str, total_stage: str) -> dict:
    """Drug against placebo for a count of the participant flow (e.g. "not completed" out of
    "started"): the counts, percentages and the risk difference with Newcombe's 95% interval, in
    percentage points (drug minus placebo)."""
    flow = enrollment.set_index(["study_id", "arm", "stage"])["n"]
    counts = {arm: (int(flow[(study, arm, events_stage)]), int(flow[(study, arm, total_stage)]))
              for arm in ("drug", "placebo")}
    rd = risk_difference_ci(*counts["drug"], *counts["placebo"])
    return {"drug_events": counts["drug"][0], "drug_total": counts["drug"][1],
            "placebo_events": counts["placebo"][0], "placebo_total": counts["placebo"][1],
            "drug_pct": 100 * counts["drug"][0] / counts["drug"][1],
            "placebo_pct": 100 * counts["placebo"][0] / counts["placebo"][1],
            "rd": 100 * rd.difference, "rd_low": 100 * rd.low, "rd_high": 100 * rd.high, "method": rd.method}


#: The participant-flow stages a reported responder percentage could have been computed on, in the
#: order the book prefers them (the registry's analysis set first).
CANDIDATE_STAGES = ["modified intention-to-treat", "safety population", "started", "completed"]


def _round_half_up(x: float) -> int:
    import math

    return int(math.floor(x + 0.5))


def candidate_counts(percent: float, total: int) -> list[int]:
    """The whole counts of ``total`` either side of ``percent`` (one when it lands on a whole count)."""
    import math

    exact = percent * total / 100
    return sorted({c for c in (math.floor(exact), math.ceil(exact)) if 0 <= c <= total})


def _printed(value: float) -> str:
    return f"{float(value):g}"


def p_value_search(outcomes: pd.DataFrame, enrollment: pd.DataFrame) -> pd.DataFrame:
    """Which whole counts reproduce a reported drug-versus-placebo p-value.

    For every p-value given exactly (qualifier "=") beside a percentage in each arm of the same
    study, measure and analysis, and for each stage of :data:`CANDIDATE_STAGES` that the
    participant flow gives for both arms: every pair of candidate counts (:func:`candidate_counts`)
    is tested with each of :data:`evidence.stats.TWO_PROPORTION_TESTS`. One row per pair, with the
    p-value of each test, whether each count rounds back to the reported percentage, and the tests
    whose p-value rounds to the reported one at its printed precision (``matches``, ";"-separated).
    """
    flow = enrollment.set_index(["study_id", "arm", "stage"])["n"]
    exact_p = outcomes[(outcomes["statistic"] == "p-value") & (outcomes["arm"] == "drug-vs-placebo")]
    if "qualifier" in exact_p:
        exact_p = exact_p[exact_p["qualifier"] == "="]
    percents = outcomes[outcomes["statistic"] == "percent"]
    records = []
    for _, p_row in exact_p.iterrows():
        same = percents[(percents["study_id"] == p_row["study_id"]) & (percents["measure"] == p_row["measure"])
                        & (percents["analysis"] == p_row["analysis"])].set_index("arm")
        if not {"drug", "placebo"} <= set(same.index):
            continue
        printed = _printed(p_row["value"])
        pct_drug, pct_placebo = float(same.loc["drug", "value"]), float(same.loc["placebo", "value"])
        for stage in CANDIDATE_STAGES:
            keys = [(p_row["study_id"], arm, stage) for arm in ("drug", "placebo")]
            if not all(k in flow.index for k in keys):
                continue
            n_drug, n_placebo = (int(flow[k]) for k in keys)
            for k_drug in candidate_counts(pct_drug, n_drug):
                for k_placebo in candidate_counts(pct_placebo, n_placebo):
                    ps = {t: two_proportion_p(k_drug, n_drug, k_placebo, n_placebo, t) for t in TWO_PROPORTION_TESTS}
                    records.append({
                        "study_id": p_row["study_id"], "measure": p_row["measure"], "analysis": p_row["analysis"],
                        "p_reported": printed, "p_outcome_id": p_row["outcome_id"], "stage": stage,
                        "drug_percent": pct_drug, "placebo_percent": pct_placebo,
                        "drug_count": k_drug, "drug_total": n_drug, "placebo_count": k_placebo, "placebo_total": n_placebo,
                        "drug_rounds": _round_half_up(100 * k_drug / n_drug) == _round_half_up(pct_drug),
                        "placebo_rounds": _round_half_up(100 * k_placebo / n_placebo) == _round_half_up(pct_placebo),
                        **{f"p_{t}": p for t, p in ps.items()},
                        "matches": ";".join(t for t, p in ps.items() if rounds_to_printed(p, printed)),
                    })
    return pd.DataFrame(records)


def counts_from_p_values(search: pd.DataFrame) -> dict[tuple[str, str, str], dict]:
    """The derived counts the p-value search decides, per (study, measure, analysis).

    The rule: among the candidates whose counts round back to both reported percentages, those
    that reproduce the reported p-value with one of the tests; if there are none, the candidates
    whose counts do not round back but reproduce the p-value. A unique candidate is taken; when
    several reproduce it, the one with the smallest drug-minus-placebo difference is taken; when
    none does, the measure is absent from the result (and the chapter says so).
    """
    chosen = {}
    if search.empty:
        return chosen
    for key, group in search.groupby(["study_id", "measure", "analysis"], sort=False):
        matching = group[group["matches"] != ""]
        rounding = matching[matching["drug_rounds"] & matching["placebo_rounds"]]
        pool, step = (rounding, 1) if len(rounding) else (matching, 2)
        if pool.empty:
            continue
        diff = pool["drug_count"] / pool["drug_total"] - pool["placebo_count"] / pool["placebo_total"]
        row = pool.loc[diff.sort_values(kind="stable").index[0]]
        tests = row["matches"].split(";")
        chosen[key] = {**row.to_dict(), "step": step, "candidates": len(group), "reproducing": len(pool),
                       "tests": tests, "p_computed": row[f"p_{tests[0]}"]}
    return chosen


def _p_rule(d: dict, arm: str) -> str:
    other = "placebo" if arm == "drug" else "drug"
    test_names = " and ".join(TWO_PROPORTION_TESTS[t] for t in d["tests"])
    unique = ("the only pair" if d["reproducing"] == 1
              else f"one of {d['reproducing']} pairs (the one with the smallest difference)")
    rule = (f"{d[f'{arm}_count']} of {d[f'{arm}_total']} ({d['stage']}), derived: with {d[f'{other}_count']} of "
            f"{d[f'{other}_total']} on {other}, {unique} of the {d['candidates']} candidate pairs tried that gives the "
            f"reported p = {d['p_reported']} ({test_names}: {d['p_computed']:.5f})")
    if d["step"] == 2:
        rule += "; no pair whose counts both round to the reported percentages reproduces it"
    if not d[f"{arm}_rounds"]:
        pct = 100 * d[f"{arm}_count"] / d[f"{arm}_total"]
        rule += (f"; {d[f'{arm}_count']}/{d[f'{arm}_total']} is {pct:.1f}%, which does not round to the reported "
                 f"{d[f'{arm}_percent']:g}%")
    return rule


def response_rates(outcomes: pd.DataFrame, enrollment: pd.DataFrame) -> pd.DataFrame:
    """Every reported percentage of responders, with a derived count and a Wilson 95% interval
    where a denominator can be attached.

    Where the source also gives an exact drug-versus-placebo p-value, the counts are the ones
    :func:`counts_from_p_values` finds to reproduce it (``derivation`` "p-value"). Otherwise the
    count is rebuilt from the percentage and the enrollment figure named in ``denominator_stage``;
    a count half-way between two whole numbers is resolved against the drug (the lower drug count,
    the higher placebo count) (``derivation`` "percentage"). Rows without a denominator keep their
    percentage and get no count and no interval.
    """
    rates = outcomes[outcomes["statistic"] == "percent"].copy()
    flow = enrollment.set_index(["study_id", "arm", "stage"])["n"]
    from_p = counts_from_p_values(p_value_search(outcomes, enrollment))
    records = []
    for _, row in rates.iterrows():
        record = {"outcome_id": row["outcome_id"], "study_id": row["study_id"], "measure": row["measure"],
                  "analysis": row["analysis"], "arm": row["arm"], "percent": float(row["value"]),
                  "source": row["source"], "total": pd.NA, "count": pd.NA, "low": pd.NA, "high": pd.NA,
                  "rule": "no denominator reported; no count or interval derived", "reproduces": pd.NA,
                  "derivation": pd.NA, "stage": pd.NA}
        key = (row["study_id"], row["measure"], row["analysis"])
        if pd.notna(row["denominator_stage"]) and key in from_p and row["arm"] in ("drug", "placebo"):
            d = from_p[key]
            total, count = int(d[f"{row['arm']}_total"]), int(d[f"{row['arm']}_count"])
            ci = proportion_ci(count, total, method="wilson")
            record.update(total=total, count=count, low=100 * ci.low, high=100 * ci.high, rule=_p_rule(d, row["arm"]),
                          reproduces=bool(d[f"{row['arm']}_rounds"]), derivation="p-value", stage=d["stage"])
        elif pd.notna(row["denominator_stage"]):
            total = int(flow[(row["study_id"], row["arm"], row["denominator_stage"])])
            derived = count_from_percent(float(row["value"]), total,
                                         prefer="lower" if row["arm"] == "drug" else "higher")
            ci = proportion_ci(derived.count, total, method="wilson")
            rule = derived.rule
            if _has_exact_p(outcomes, key):
                rule += "; no candidate count reproduces the reported p-value"
            record.update(total=total, count=derived.count, low=100 * ci.low, high=100 * ci.high,
                          rule=rule, reproduces=derived.reproduces, derivation="percentage",
                          stage=row["denominator_stage"])
        records.append(record)
    frame = pd.DataFrame(records)
    for col in ("total", "count"):
        frame[col] = pd.array(frame[col], dtype="Int64")
    for col in ("low", "high"):
        frame[col] = pd.array(frame[col], dtype="Float64")
    frame["reproduces"] = pd.array(frame["reproduces"], dtype="boolean")
    for col in ("derivation", "stage"):
        frame[col] = pd.array(frame[col], dtype="string")
    return frame


def _has_exact_p(outcomes: pd.DataFrame, key: tuple[str, str, str]) -> bool:
    rows = outcomes[(outcomes["statistic"] == "p-value") & (outcomes["study_id"] == key[0])
                    & (outcomes["measure"] == key[1]) & (outcomes["analysis"] == key[2])]
    if "qualifier" in rows:
        rows = rows[rows["qualifier"] == "="]
    return len(rows) > 0


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


def natural_frequencies(rates: pd.DataFrame, effects: pd.DataFrame, per: int = 100) -> pd.DataFrame:
    """Each derived responder rate as a natural frequency: out of ``per`` people like those in the
    trial, how many responded on each arm (rounded to whole people), with the Wilson interval on the
    same scale, and the difference drug minus placebo with Newcombe's interval. All derived."""
    counted = rates[rates["count"].notna()]
    rows = []
    for (measure, analysis), group in counted.groupby(["measure", "analysis"], sort=False):
        arms = group.set_index("arm")
        if not {"drug", "placebo"} <= set(arms.index):
            continue
        effect = effects[(effects["measure"] == measure) & (effects["analysis"] == analysis)].iloc[0]
        row = {"measure": measure, "analysis": analysis, "per": per,
               "difference": round(effect["rd"] * per / 100), "difference_low": round(effect["rd_low"] * per / 100),
               "difference_high": round(effect["rd_high"] * per / 100)}
        for arm in ("drug", "placebo"):
            a = arms.loc[arm]
            row.update({f"{arm}_count": int(a["count"]), f"{arm}_total": int(a["total"]),
                        f"{arm}": round(per * int(a["count"]) / int(a["total"])),
                        f"{arm}_low": round(float(a["low"]) * per / 100), f"{arm}_high": round(float(a["high"]) * per / 100)})
        rows.append(row)
    return pd.DataFrame(rows)
