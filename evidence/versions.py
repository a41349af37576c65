"""The book's versions: the current one, and the table of versions for the reader."""
from __future__ import annotations

import pandas as pd

from .tables import markdown_table


def current_version(versions: pd.DataFrame) -> pd.Series:
    """The latest version's row (by date, then by number), with ``date`` as YYYY-MM-DD text."""
    key = versions["version"].str.split(".", expand=True).astype(int)
    ordered = versions.assign(_major=key[0], _minor=key[1]).sort_values(["date", "_major", "_minor"])
    row = ordered.iloc[-1].drop(["_major", "_minor"])
    row["date"] = pd.Timestamp(row["date"]).strftime("%Y-%m-%d")
    return row


def version_table(versions: pd.DataFrame) -> str:
    """The versions, newest first (by date, then by number), as a MyST table: number, date, what
    changed, conclusions."""
    key = versions["version"].str.split(".", expand=True).astype(int)
    ordered = (versions.assign(_major=key[0], _minor=key[1])
               .sort_values(["date", "_major", "_minor"], ascending=False).drop(columns=["_major", "_minor"]))
    shown = ordered.assign(
        shown_date=[f"{pd.Timestamp(d):%Y-%m-%d}" for d in ordered["date"]],
        changed=["yes: " + str(w) if c else "no" for c, w in zip(ordered["conclusions_changed"],
                                                                 ordered["what_conclusions_changed"])])
    return markdown_table(shown, {"version": "Version", "shown_date": "Date", "summary": "What changed",
                                  "changed": "Conclusions changed"})
