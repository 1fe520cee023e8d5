"""Which repairs a planner should look at first on a review map, and from which zoom the others show.

>>> int(repairs_to_review(["gap"], ["longest border"], [0.01], [10.0]).sum())
1
"""

from __future__ import annotations

import numpy as np

REPAIRS_ALL = 1_000  # up to this many repairs, all are drawn from the start
REVIEW_MIN_KM2 = 0.2
REVIEW_MIN_SHARE = 0.01  # of the unit that received the piece
SMALL_REPAIRS_ZOOM = 11  # the other repairs are drawn from this zoom, in view only


def repairs_to_review(kind, rule, area_km2, unit_area_km2) -> np.ndarray:
    """Mask of the repairs a planner should look at first.

    All of them when there are at most ``REPAIRS_ALL``; else the gaps wider
    than the gap width (rule ``wide gap``), invalid-geometry repairs, and
    pieces of at least ``REVIEW_MIN_KM2`` or ``REVIEW_MIN_SHARE`` of the
    area of the unit that received them. The national commune merge logs
    about 60,000 repairs, of which some 600 are selected.

    Examples
    --------
    >>> int(repairs_to_review(["gap"] * 1001, ["wide gap"] + ["longest border"] * 1000,
    ...                       [0.01] * 1001, [10.0] * 1001).sum())
    1
    """
    n = len(kind)
    if n <= REPAIRS_ALL:
        return np.ones(n, dtype=bool)
    area = np.asarray(area_km2, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = area / np.asarray(unit_area_km2, dtype=float)
    return (
        (np.asarray(rule, dtype=object) == "wide gap")
        | (np.asarray(kind, dtype=object) == "invalid")
        | (area >= REVIEW_MIN_KM2)
        | (share >= REVIEW_MIN_SHARE)
    )
