"""Where each old polygon went (the result's ``features`` layer) and which new units of the plan
have no polygon (its ``lineage``), as the review map lists them.

>>> units_without_polygon(None, [])
[]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..plan.coverage import units_within_layer
from .columns import codes, column, flags, texts, words


def placement(features: pd.DataFrame | None, own_codes: list, unit_codes: list) -> dict:
    """Where each old polygon went, from the result's ``features`` table.

    The table (docs/CONTRACTS.md) has one row per feature of the old layer;
    it is used only when its ``feature`` column numbers exactly the old
    layer's rows, else ``{}`` and the map joins old units to the lineage by
    their own code. ``member`` is the plan's old code the polygon linked to
    (``None`` when it is the polygon's own code, ``""`` when none), ``unit``
    the index of the new unit it went into (-1 when unplaced), ``detached``
    the rows lying apart from the rest of their new unit (when the table
    has that column: results of older versions lack it).

    Examples
    --------
    >>> f = pd.DataFrame({"feature": [0, 1], "old_code": ["7", ""], "new_code": ["B", "A"],
    ...                   "linked_by": ["name", "inferred"], "detached": [False, True]})
    >>> placement(f, [None, "9"], ["A", "B"])
    {'member': ['7', ''], 'unit': [1, 0], 'linkedBy': ['name', 'inferred'], 'detached': [1]}
    """
    if features is None or len(features) != len(own_codes) or "feature" not in features.columns:
        return {}
    features = features.sort_values("feature", kind="stable")
    if not np.array_equal(pd.to_numeric(features["feature"], errors="coerce"), np.arange(len(own_codes))):
        return {}
    index = {c: i for i, c in enumerate(unit_codes)}
    members = [m or "" for m in codes(column(features, "old_code"))]
    out = {
        "member": [None if m and m == own else m for m, own in zip(members, own_codes)],
        "unit": [index.get(c, -1) for c in codes(column(features, "new_code"))],
        "linkedBy": texts(column(features, "linked_by")),
    }
    if "detached" in features.columns:  # few of them: their row numbers, not a column of flags
        out["detached"] = [j for j, v in enumerate(flags(features["detached"])) if v]
    return out



def units_without_polygon(lineage: pd.DataFrame | None, known) -> list:
    """New units of the plan the old layer was expected to cover that have no polygon.

    A merge makes no polygon up: a new unit whose old units have none (an
    island district, say) is missing from the ``units`` layer. The lineage
    tells which: the plan's rows (``linked_by`` other than ``inferred``) whose
    new unit is not in ``known`` (the codes of the units layer), among the
    units expected in the layer (:func:`geoplan.plan.coverage.units_within_layer`:
    an extract of some provinces expects only theirs).

    Examples
    --------
    >>> lineage = pd.DataFrame({"old_parent": ["P", "P", "Q"], "new_code": ["1", "2", "3"],
    ...                         "linked_by": ["code", "none", "none"]})
    >>> units_without_polygon(lineage, {"1"})
    ['2']
    """
    if lineage is None or not len(lineage) or not {"new_code", "linked_by"} <= set(lineage.columns):
        return []
    how = np.array(words(lineage["linked_by"]), dtype=object)
    plan_rows = how != "inferred"
    links = pd.DataFrame({
        "old_parent": [p or "" for p in texts(column(lineage, "old_parent"))],
        "new_code": codes(lineage["new_code"]),
        "new_parent": [p or "" for p in texts(column(lineage, "new_parent"))],  # for island districts
    })[plan_rows].reset_index(drop=True)
    within = units_within_layer(links, pd.Series(how[plan_rows] != "none"))
    return sorted(c for c in within - set(known) if c)
