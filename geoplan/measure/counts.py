"""Counts and their totals: summed, never averaged; densities recomputed; conservation checked.

Counts (population and any other extensive field) are summed over what a new
unit receives; densities are recomputed from the sums.

>>> density(pd.Series([100]), pd.Series([4.0])).tolist()
[25.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConservationError
from ..i18n import Message

WORDS = {"area": "measure.area", "population": "measure.population"}  # totals named in the user's language


def whole_numbers(values: pd.Series) -> bool:
    """Counts that are all whole numbers stay integers; a field with fractions
    (an estimate, an apportioned count) keeps them, so nothing is rounded away.

    >>> whole_numbers(pd.Series([1.0, None])), whole_numbers(pd.Series([0.5]))
    (True, False)
    """
    values = pd.to_numeric(values, errors="coerce").dropna()
    return bool((values == values.round()).all())


def sum_counts(values: pd.DataFrame, keys, fields: list[str]) -> pd.DataFrame:
    """Sum count fields per key; missing counts are treated as 0 and counted.
    Whole counts give integers (see :func:`whole_numbers`).

    >>> sum_counts(pd.DataFrame({"pop": [1, 2, None]}), ["a", "a", "b"], ["pop"])["pop"].tolist()
    [3, 0]
    >>> sum_counts(pd.DataFrame({"pop": [1.25, 2.5]}), ["a", "a"], ["pop"])["pop"].tolist()
    [3.75]
    """
    counts = values[fields].apply(pd.to_numeric, errors="coerce").fillna(0)
    counts = counts.apply(lambda c: c.round().astype("int64") if whole_numbers(c) else c)
    return counts.assign(_key=np.asarray(keys)).groupby("_key", sort=True)[fields].sum()


def coverage(values: pd.Series, areas: pd.Series, keys) -> pd.Series:
    """Per key, the share of the area whose pieces have a value (1: every piece has one); where
    the pieces have no area, the share of pieces with a value. A sum over a coverage below 1 is
    a lower bound: its missing values were not zero, only unknown.

    >>> coverage(pd.Series([5, None, 1]), pd.Series([3.0, 1.0, 0.0]), ["a", "a", "b"]).tolist()
    [0.75, 1.0]
    """
    known = pd.to_numeric(values, errors="coerce").notna().to_numpy()
    frame = pd.DataFrame({"_key": np.asarray(keys), "area": areas.to_numpy(dtype=float), "known": known})
    frame["known_area"] = frame["area"].where(frame["known"], 0.0)
    sums = frame.groupby("_key", sort=True)[["area", "known_area", "known"]].agg(
        {"area": "sum", "known_area": "sum", "known": "mean"})
    return (sums["known_area"] / sums["area"].where(sums["area"] > 0)).fillna(sums["known"])


def density(counts: pd.Series, areas: pd.Series) -> pd.Series:
    """Counts per km2, recomputed from sums; empty area gives NaN.

    >>> density(pd.Series([100]), pd.Series([4.0])).tolist()
    [25.0]
    """
    return counts / areas.where(areas > 0)


def check_conserved(label: str, before: float, after: float, tolerance: float, floor: float = 0.0) -> float:
    """Relative difference of a total, raising ConservationError beyond tolerance, unless the
    totals differ by ``floor`` or less (what they are measured to, on a layer of tiny polygons).

    >>> check_conserved("population", 100, 100, 0.0)
    0.0
    >>> check_conserved("population", 1600, 0, 0.0)
    Traceback (most recent call last):
    geoplan.errors.ConservationError: population not conserved: 1,600.00 before, 0.00 after (-100.0000%, tolerance 0.0000%)
    >>> round(check_conserved("area", 3.3e-8, 7.8e-12, 1e-4, floor=1e-6), 4)  # km2 of micrometre polygons
    -0.9998
    """
    diff = (after - before) / before if before else 0.0
    if not (abs(diff) <= tolerance or abs(after - before) <= floor):  # NaN is no conservation either
        what = Message(WORDS[label]) if label in WORDS else label
        raise ConservationError("measure.not_conserved", what=what, before=before, after=after, diff=diff,
                                tolerance=tolerance)
    return diff
