"""Doses and pharmacokinetics: human equivalent doses and an illustrative one-compartment model.
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


def doses_per_day(doses: pd.DataFrame) -> pd.DataFrame:
    """Human doses in mg per day: as reported where the source gives a daily dose; otherwise
    derived as mg per administration x administrations a day (low x fewest, high x most).
    Where the number of administrations is not given, the row stays per administration and
    ``unit`` says so."""
    rows = []
    for _, row in doses[doses["species"] == "human"].iterrows():
        low, high = row["mg_low"], row["mg_high"]
        if row["per"] == "day":
            unit, derived = "mg per day", False
        elif pd.notna(row["times_low"]) and pd.notna(row["times_high"]):
            low = low * row["times_low"] if pd.notna(low) else pd.NA
            high = high * row["times_high"]
            unit, derived = "mg per day", bool(row["times_high"] != 1 or row["times_low"] != 1)
        else:
            unit, derived = "mg per administration", False
        rows.append({"dose_id": row["dose_id"], "context": row["context"], "label": row["label"],
                     "low": low, "high": high, "unit": unit, "derived": derived,
                     "source": row["source"], "source_kind": row["source_kind"]})
    frame = pd.DataFrame(rows)
    frame["low"] = pd.array(frame["low"], dtype="Float64")
    frame["high"] = pd.array(frame["high"], dtype="Float64")
    return frame
