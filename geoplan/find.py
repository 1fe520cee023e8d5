"""Find units by name, insensitive to diacritics and tone marks.

Homonyms are never resolved silently: every match is listed with its
province, and ``province`` narrows the list.

>>> find_units("thoi son")[["code", "parent"]].values.tolist()
[['28270', 'Tỉnh Đồng Tháp'], ['30502', 'Tỉnh An Giang']]
>>> find_units("thoi son", province="An Giang")["code"].tolist()
['30502']
"""

from __future__ import annotations

import pandas as pd

from .names import folded_key


def find_units(name: str, plan: str = "vn-2025-commune", province: str | None = None, old: bool = False) -> pd.DataFrame:
    """Units of a plan whose name matches ``name``: ``code, name, parent``.

    The search key drops diacritics and the unit type, so "thoi son",
    "Thới Sơn" and "Phường Thới Sơn" find the same units.

    >>> sorted(find_units("thoi son")["code"])
    ['28270', '30502']
    """
    from .builtin import resolve_plan

    links = resolve_plan(plan).links
    if old:
        units = links.drop_duplicates("old_code").rename(columns={"old_code": "code", "old_name": "name", "old_parent": "parent"})
    else:
        units = links.drop_duplicates("new_code").rename(columns={"new_code": "code", "new_name": "name", "new_parent": "parent"})
    units = units[["code", "name", "parent"]]
    hits = units[units["name"].map(folded_key) == folded_key(name)]
    if province:
        hits = hits[hits["parent"].map(folded_key) == folded_key(province)]
    return hits.sort_values(["code"]).reset_index(drop=True)
