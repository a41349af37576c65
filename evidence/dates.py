"""Partial dates as the sources give them: YYYY, YYYY-MM or YYYY-MM-DD."""
from __future__ import annotations

import datetime as dt


def partial_date_bounds(text: str) -> tuple[dt.date, dt.date]:
    """The first and the last day that a partial date can mean.

    ``"2015"`` is 2015-01-01 to 2015-12-31, ``"2016-02"`` is 2016-02-01 to 2016-02-29,
    ``"2019-06-01"`` is that day. Raises ValueError for anything that is not a real date.
    """
    parts = [int(p) for p in str(text).split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        following = dt.date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        return first, following - dt.timedelta(days=1)
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
