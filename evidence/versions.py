"""The book's versions: the current one, and the table of versions for the reader."""
from __future__ import annotations

import pandas as pd

from .tables import escape_markdown


def current_version(versions: pd.DataFrame) -> pd.Series:
    """The latest version's row (by date, then by number), with ``date`` as YYYY-MM-DD text."""
    key = versions["version"].str.split(".", expand=True).astype(int)
    ordered = versions.assign(_major=key[0], _minor=key[1]).sort_values(["date", "_major", "_minor"])
    row = ordered.iloc[-1].drop(["_major", "_minor"])
    row["date"] = pd.Timestamp(row["date"]).strftime("%Y-%m-%d")
    return row


def version_table(versions: pd.DataFrame) -> str:
    """The versions, newest first, as a MyST table: number, date, what changed, conclusions."""
    lines = ["| Version | Date | What changed | Conclusions changed |", "|---|---|---|---|"]
    for row in versions.sort_values("date", ascending=False).itertuples():
        changed = "yes: " + str(row.what_conclusions_changed) if row.conclusions_changed else "no"
        lines.append(f"| {escape_markdown(row.version)} | {pd.Timestamp(row.date):%Y-%m-%d} | "
                     f"{escape_markdown(row.summary)} | {escape_markdown(changed)} |")
    return "\n".join(lines)
