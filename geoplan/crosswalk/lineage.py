"""The lineage of a merge: one row per link of the plan (and per feature placed by the longest
border), saying what the new unit received from that old unit, summed from the crosswalk.

A divided old unit that went whole to one of its new units shows its area and
counts on that row (``assigned``) and 0 on the rows of its other new units; an
old unit without a polygon shows them missing (``linked_by`` ``none``).

>>> lineage = lineage_table(pieces, plan, ["population"])  # doctest: +SKIP
>>> lineage.groupby("new_code")["area_km2"].sum()  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..measure.counts import whole_numbers
from ..plan.model import Plan

COLUMNS = ["old_code", "old_name", "old_parent", "new_code", "new_name", "new_parent", "link", "assigned",
           "approximate", "linked_by", "area_km2"]


def lineage_table(pieces: pd.DataFrame, plan: Plan, counts: list[str]) -> pd.DataFrame:
    """The ``lineage`` layer (see docs/CONTRACTS.md) from the crosswalk ``pieces`` and their ``counts``."""
    linked = pieces[pieces["link"] != "inferred"]
    received = linked.groupby(["old_code", "new_code"], sort=False)[["area_km2", *counts]].sum()
    first = linked.groupby("old_code", sort=False)[["linked_by", "old_name"]].first()
    links = plan.links
    pair = pd.MultiIndex.from_arrays([links["old_code"], links["new_code"]])
    with_piece, pairs_received = set(first.index.tolist()), set(received.index.tolist())  # sets: faster than isin
    has_piece = np.array([code in with_piece for code in links["old_code"].tolist()], dtype=bool)
    assigned = np.array([p in pairs_received for p in pair.tolist()], dtype=bool)
    lineage = pd.DataFrame({
        "old_code": links["old_code"],
        "old_name": links["old_name"].where(links["old_name"] != "", links["old_code"].map(first["old_name"]).fillna("")),
        "old_parent": links["old_parent"],
        "new_code": links["new_code"], "new_name": links["new_name"], "new_parent": links["new_parent"],
        "link": links["link"],
        "assigned": assigned,
        "approximate": links["old_code"].map(plan.assignment().set_index("old_code")["approximate"]).astype(bool),
        "linked_by": links["old_code"].map(first["linked_by"]).fillna("none"),
    })
    for column in ["area_km2", *counts]:  # 0 where the old unit went elsewhere, missing where it has no polygon
        values = received[column].reindex(pair).to_numpy()
        lineage[column] = np.where(assigned, values, np.where(has_piece, 0, np.nan))
    inferred = pieces[pieces["link"] == "inferred"]
    rows = inferred[[*COLUMNS[:7], "linked_by", "area_km2", *counts]].assign(assigned=True, approximate=False)
    lineage = pd.concat([lineage, rows[lineage.columns]], ignore_index=True)
    for column in counts:  # whole numbers stay whole (missing where unknown)
        if whole_numbers(pieces[column]):
            lineage[column] = lineage[column].round().astype("Int64")
    return lineage
