"""The book's versions: the current one (the table of versions for the reader is in
``bookview.tables``)."""
from __future__ import annotations

import pandas as pd



def current_version(versions: pd.DataFrame) -> pd.Series:
    """The latest version's row (by date, then by number), with ``date`` as YYYY-MM-DD text."""
    key = versions["version"].str.split(".", expand=True).astype(int)
    ordered = versions.assign(_major=key[0], _minor=key[1]).sort_values(["date", "_major", "_minor"])
    row = ordered.iloc[-1].drop(["_major", "_minor"])
    row["date"] = pd.Timestamp(row["date"]).strftime("%Y-%m-%d")
    return row
