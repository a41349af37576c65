"""Doses and pharmacokinetics: each dose's unit basis and frequency, ranges and ratios between
like units, human equivalent doses, and an illustrative one-compartment model.
Functions take validated frames or numbers."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: The absorption rate constant the illustrative model assumes (per hour). No source gives one
#: for fasoracetam; animals reached their peak within an hour of an oral dose.
ABSORPTION_RATE = 2.0


def human_equivalent_dose(animal_mg_per_kg: float, animal_km: float, human_km: float) -> float:
    """FDA (2005) section V: HED (mg/kg) = animal dose (mg/kg) x animal Km / human Km."""
    if animal_mg_per_kg < 0 or animal_km <= 0 or human_km <= 0:
        raise ValueError("doses must be >= 0 and Km factors > 0")
    return animal_mg_per_kg * animal_km / human_km


def accumulation_ratio(half_life_h: float, interval_h: float) -> float:
    """Steady-state accumulation for repeated doses every ``interval_h``: 1 / (1 - e^(-k tau))."""
    k = math.log(2) / half_life_h
    return 1 / (1 - math.exp(-k * interval_h))


def concentration_profile(half_life_h: float, interval_h: float = 12.0, doses: int = 6,
                          hours: float | None = None, step_h: float = 0.1,
                          absorption_rate: float = ABSORPTION_RATE) -> pd.DataFrame:
    """Plasma concentration after ``doses`` equal oral doses every ``interval_h`` hours, relative
    to the peak after the first dose (one compartment, first-order absorption and elimination,
    dose-proportional kinetics; superposition of the Bateman function).

    Returns columns ``hour`` and ``relative`` (1 = the first dose's peak).
    """
    k, ka = math.log(2) / half_life_h, absorption_rate
    if math.isclose(k, ka):
        raise ValueError("absorption and elimination rates must differ for the Bateman function")
    hours = hours if hours is not None else interval_h * doses
    t = np.round(np.arange(0, hours + step_h / 2, step_h), 6)

    def one_dose(time):
        time = np.clip(time, 0, None)
        return ka / (ka - k) * (np.exp(-k * time) - np.exp(-ka * time))

    total = sum(np.where(t >= i * interval_h, one_dose(t - i * interval_h), 0.0) for i in range(doses))
    t_peak = math.log(ka / k) / (ka - k)
    first_peak = float(one_dose(np.array([t_peak]))[0])
    return pd.DataFrame({"hour": t, "relative": total / first_peak})


def profile_summary(profile: pd.DataFrame, interval_h: float) -> dict[str, float]:
    """Peak and trough over the last dosing interval, relative to the first peak, and their ratio."""
    last = profile[profile["hour"] >= profile["hour"].max() - interval_h]
    peak, trough = float(last["relative"].max()), float(last["relative"].min())
    return {"last_peak": peak, "last_trough": trough, "swing": peak / trough if trough > 0 else math.inf}


# --- doses: unit basis, frequency, ranges and ratios -------------------------------------------

#: The units a dose in the book can have. A ratio or an overlap is only ever taken between two
#: amounts of the same unit.
PER_ADMINISTRATION, PER_DAY, MG_PER_KG = "mg per administration", "mg per day", "mg/kg per administration"


def significant(value: float, figures: int = 2) -> str:
    """``value`` rounded to ``figures`` significant figures, written without an exponent
    (97.2973 -> "97", 1.6216 -> "1.6", 2.6667 -> "2.7", 1234 -> "1200")."""
    if pd.isna(value):
        raise ValueError("refusing to round a missing value")
    return f"{float(f'{float(value):.{figures}g}'):g}"


def range_text(low, high, unit: str = "") -> str:
    """The one way the book writes a range of values: "10 to 100 mg per day", "up to 400 mg per
    administration" (no lower figure reported), "800 mg" (one value); ``unit`` may be empty."""
    suffix = f" {unit}" if unit else ""
    if pd.isna(high):
        return "not reported in the sources reviewed"
    if pd.isna(low):
        return f"up to {high:g}{suffix}"
    if low == high:
        return f"{high:g}{suffix}"
    return f"{low:g} to {high:g}{suffix}"


def dose_range_text(low, high, unit: str) -> str:
    """A dose range in :func:`range_text`'s format, its unit one of the book's dose units."""
    if unit not in (PER_ADMINISTRATION, PER_DAY, MG_PER_KG):
        raise ValueError(f"unknown dose unit {unit!r}")
    return range_text(low, high, unit)


def frequency_text(frequency: str, times_low=None, times_high=None) -> str:
    """How often a dose was given, in words: "single dose", "twice a day", "1 to 3 times a day",
    "how often not stated"."""
    if frequency == "single dose":
        return "single dose"
    if frequency == "not stated":
        return "how often not stated"
    if frequency != "times a day" or pd.isna(times_low) or pd.isna(times_high):
        raise ValueError(f"frequency {frequency!r} with times {times_low!r} to {times_high!r}")
    names = {1: "once a day", 2: "twice a day"}
    if times_low == times_high:
        return names.get(int(times_high), f"{int(times_high)} times a day")
    return f"{int(times_low)} to {int(times_high)} times a day"


def dose_units(doses: pd.DataFrame) -> pd.DataFrame:
    """Every dose of ``dose_reports`` with its unit basis and frequency made explicit.

    Per administration: the amount as reported, where the source gives one (``admin_*``).
    Per day: as reported where the source gives a daily amount; derived as the amount per
    administration times the administrations a day (low x fewest, high x most) where the source
    says how often; otherwise none (``day_*`` missing): a single dose, or a dose whose frequency
    is not stated, has no daily figure. An animal dose stays in mg/kg per administration.

    Raises ``ValueError`` naming the dose row when the unit basis or frequency is inconsistent.
    """
    rows = []
    for _, row in doses.iterrows():
        where = f"dose_reports.csv, dose {row['dose_id']}"
        per, frequency = row["per"], row["frequency"]
        has_times = pd.notna(row["times_low"]) and pd.notna(row["times_high"])
        if per not in ("administration", "day"):
            raise ValueError(f"{where}, column per: {per!r} is neither administration nor day")
        if (frequency == "times a day") != has_times:
            raise ValueError(f"{where}, column frequency: {frequency!r} needs times_low and times_high "
                             "exactly when it is 'times a day'")
        if per == "day" and frequency == "single dose":
            raise ValueError(f"{where}, column per: a single dose cannot be a daily amount")
        animal = pd.notna(row["mg_per_kg"])
        low, high = (row["mg_per_kg"], row["mg_per_kg"]) if animal else (row["mg_low"], row["mg_high"])
        admin_low = admin_high = day_low = day_high = pd.NA
        day_derived, day_rule = False, ""
        if per == "administration":
            admin_low, admin_high = low, high
            if has_times and not animal:
                day_low = low * row["times_low"] if pd.notna(low) else pd.NA
                day_high = high * row["times_high"]
                day_derived = True
                day_rule = ("derived: mg per administration × times a day (lowest × fewest, highest × most)"
                            if row["times_low"] != row["times_high"] else
                            f"derived: mg per administration × {int(row['times_high'])} times a day")
        else:
            day_low, day_high = low, high
            day_rule = "as reported (a daily amount)"
        admin_unit = MG_PER_KG if animal else PER_ADMINISTRATION
        rows.append({
            "dose_id": row["dose_id"], "context": row["context"], "label": row["label"], "species": row["species"],
            "study_id": row["study_id"], "per": per, "frequency": frequency,
            "times_low": row["times_low"], "times_high": row["times_high"],
            "frequency_text": frequency_text(frequency, row["times_low"], row["times_high"]),
            "admin_unit": admin_unit, "admin_low": admin_low, "admin_high": admin_high,
            "admin_text": dose_range_text(admin_low, admin_high, admin_unit) if pd.notna(admin_high) else "",
            "day_low": day_low, "day_high": day_high, "day_derived": day_derived, "day_rule": day_rule,
            "day_text": dose_range_text(day_low, day_high, PER_DAY) if pd.notna(day_high) else "",
            "source": row["source"], "locator": row["locator"], "source_kind": row["source_kind"]})
    frame = pd.DataFrame(rows)
    for col in ("admin_low", "admin_high", "day_low", "day_high"):
        frame[col] = pd.array(frame[col], dtype="Float64")
    return frame


def dose_amount_text(units: pd.DataFrame) -> pd.Series:
    """One line per dose for a table: the amount per administration or per day as the source
    gives it, how often, and the daily amount where one is derived ("derived" said each time)."""
    texts = []
    for row in units.itertuples():
        if row.per == "administration":
            text = f"{row.admin_text}, {row.frequency_text}"
            if row.day_derived:
                text += f" ({row.day_text}, derived)"
        else:
            text = f"{row.day_text}, {row.frequency_text}"
        texts.append(text)
    return pd.Series(texts, index=units.index)


def landscape_frame(units: pd.DataFrame) -> pd.DataFrame:
    """The human doses in long form for the dose landscape: one row per dose and unit basis
    (``basis``: "per administration" or "per day"), never mixing the two; animal doses are left
    out (a human equivalent dose is not a dose anyone was given)."""
    rows = []
    for row in units[units["species"] == "human"].itertuples():
        if pd.notna(row.admin_high):
            rows.append({"label": row.label, "context": row.context, "basis": "per administration",
                         "low": row.admin_low, "high": row.admin_high, "range_text": row.admin_text,
                         "frequency_text": row.frequency_text, "value": "as reported", "source": row.source})
        if pd.notna(row.day_high):
            rows.append({"label": f"{row.label} (derived)" if row.day_derived else row.label,
                         "context": row.context, "basis": "per day",
                         "low": row.day_low, "high": row.day_high, "range_text": row.day_text,
                         "frequency_text": row.frequency_text,
                         "value": row.day_rule if row.day_derived else "as reported", "source": row.source})
    frame = pd.DataFrame(rows)
    frame["low"] = pd.array(frame["low"], dtype="Float64")
    frame["high"] = pd.array(frame["high"], dtype="Float64")
    return frame


def dose_ratio(numerator: float, numerator_unit: str, denominator: float, denominator_unit: str) -> dict[str, str | float]:
    """A derived ratio of two doses of the same unit, with its rule written out.

    Raises ``ValueError`` when the units differ (a daily dose over a dose per administration)."""
    if numerator_unit != denominator_unit:
        raise ValueError(f"refusing to compare {numerator_unit} with {denominator_unit}")
    if not denominator > 0:
        raise ValueError("the denominator of a dose ratio must be positive")
    value = float(numerator) / float(denominator)
    return {"value": value, "text": significant(value),
            "rule": f"derived: {float(numerator):g} ÷ {float(denominator):g} {numerator_unit}"}


def range_overlap(low1, high1, low2, high2) -> tuple[float, float] | None:
    """The common part of two closed ranges (a missing low counts as the high: a ceiling only is
    not a range), or ``None`` when they do not meet."""
    low1 = high1 if pd.isna(low1) else low1
    low2 = high2 if pd.isna(low2) else low2
    low, high = max(float(low1), float(low2)), min(float(high1), float(high2))
    return (low, high) if low <= high else None


def _one(unit: str, value) -> str:
    return dose_range_text(value, value, unit)


def dose_comparison_texts(units: pd.DataFrame, study_names: dict[str, str]) -> dict[str, str]:
    """What the dosing chapter says about the popular pages' doses against the trials', as glue
    texts: every amount with its unit, every ratio between like units with its rule, and where
    the ranges meet (per administration and per day, never across the two).

    ``units`` is :func:`dose_units`; ``study_names`` maps study ids to the names the book uses.
    """
    human = units[units["species"] == "human"]
    community = human[human["context"] == "community"]
    singles = human[human["context"] == "trial single dose"]
    repeated = human[human["context"] == "trial repeated dose"]
    trials = human[human["context"] != "community"]
    texts: dict[str, str] = {}

    top = community.loc[community["day_high"].astype(float).idxmax()]
    texts["community_min_day"] = _one(PER_DAY, community["day_low"].min())
    texts["community_max_day"] = _one(PER_DAY, top["day_high"])
    texts["community_max_rule"] = (
        f"{top['label']}, {top['admin_high']:g} mg per administration × {int(top['times_high'])} times a day, derived"
        if top["day_derived"] else f"{top['label']}, as reported")
    texts["community_lowest_admin"] = _one(PER_ADMINISTRATION, community["admin_low"].min())
    many_users = community[community["label"].str.contains("many users", case=False)].iloc[0]
    texts["many_users"] = f"{many_users['admin_text']}, {many_users['frequency_text']}"

    texts["single_range"] = dose_range_text(singles["admin_low"].min(), singles["admin_high"].max(), PER_ADMINISTRATION)
    texts["trial_admin"] = dose_range_text(repeated["admin_low"].min(), repeated["admin_high"].max(), PER_ADMINISTRATION)
    texts["trial_day"] = dose_range_text(repeated["day_low"].min(), repeated["day_high"].max(), PER_DAY)
    frequencies = repeated["frequency_text"].unique()
    if len(frequencies) != 1:
        raise ValueError(f"the repeated trial doses differ in frequency ({', '.join(frequencies)}): "
                         "the chapter's sentence gives one")
    texts["trial_frequency"] = frequencies[0]
    no_start = repeated[repeated["admin_low"].isna()]
    texts["no_start_reported"] = ", ".join(study_names.get(s, s) for s in no_start["study_id"]) or "none"

    ratios = {
        "ratio_day": dose_ratio(repeated["day_high"].max(), PER_DAY, community["day_high"].max(), PER_DAY),
        "ratio_admin": dose_ratio(repeated["admin_high"].max(), PER_ADMINISTRATION,
                                  many_users["admin_high"], PER_ADMINISTRATION),
        "ratio_low": dose_ratio(repeated["day_low"].min(), PER_DAY, community["day_low"].min(), PER_DAY),
    }
    for key, ratio in ratios.items():
        texts[key], texts[f"{key}_rule"] = ratio["text"], ratio["rule"]

    at_top = True
    for basis, unit, low, high in (("admin", PER_ADMINISTRATION, "admin_low", "admin_high"),
                                   ("day", PER_DAY, "day_low", "day_high")):
        span = (community[low].min(), community[high].max())
        met = [(row["label"], range_overlap(*span, row[low], row[high]))
               for _, row in trials.dropna(subset=[high]).iterrows()]
        met = [(label, both) for label, both in met if both is not None]
        if met:
            texts[f"overlap_{basis}"] = dose_range_text(min(b[0] for _, b in met), max(b[1] for _, b in met), unit)
            at_top = at_top and max(b[1] for _, b in met) == span[1]
        else:
            texts[f"overlap_{basis}"], at_top = f"no dose in common ({unit})", False
        texts[f"overlap_{basis}_trials"] = "; ".join(label for label, _ in met) or "none"
    texts["overlap_where"] = "at the top of the community range" if at_top else "within the community range"
    texts["lowest_trial_admin"] = _one(PER_ADMINISTRATION, trials["admin_low"].min())
    texts["lowest_trial_day"] = _one(PER_DAY, repeated["day_low"].min())
    return texts


def human_equivalent_texts(units: pd.DataFrame, km: pd.DataFrame) -> dict[str, str]:
    """The animal dose converted by body surface area (FDA convention, Km factors from ``km``,
    indexed by species), as glue texts with two significant figures and per administration:
    the animal dose has no stated frequency, so there is no daily figure. No figure in mg for a
    person is given: a converted rat dose is not a dose for anyone."""
    rat = units[units["context"] == "animal study"].iloc[0]
    hed = human_equivalent_dose(rat["admin_high"], km.loc[rat["species"], "km"], km.loc["human adult", "km"])
    return {"hed_animal_dose": rat["admin_text"], "hed_animal_frequency": rat["frequency_text"],
            "hed_animal_dose_value": f"{rat['admin_high']:g}", "hed_species": rat["species"],
            "hed_mg_per_kg": significant(hed),
            "km_animal": f"{km.loc[rat['species'], 'km']:g}", "km_human": f"{km.loc['human adult', 'km']:g}"}
