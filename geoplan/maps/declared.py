"""Declared figures a check flags, for the map's tooltips and legend: the verdicts of
:func:`geoplan.check.compare.compare`, read back as one reason per unit.

The map decides nothing itself: ``compare`` says what looks wrong in each
unit's declared figures (its ``declared_issue``) and gives the verdict, and
:func:`geoplan.check.compare.copy_groups` the units sharing identical
declared figures. The map's reasons: ``copy`` (a suspected copy: its
computed area disagrees with the figures, another member's agrees),
``source`` (identical figures, but its computed area agrees with them),
``shared`` (identical figures, its computed area does not agree), ``hectares``,
``far`` (declared and computed areas several-fold apart), ``incomplete`` (old
units without polygon: the verdict ``incomplete``).

>>> import pandas as pd
>>> units = pd.DataFrame({"code": ["30502", "28270"], "name": ["Phường Thới Sơn"] * 2,
...                       "area_km2": [50.2, 16.5], "area_declared_km2": [49.36, 49.36],
...                       "population_declared": [33045, 33045]})
>>> declared_flags(units)
{'flag': ['source', 'copy'], 'with': [[1], [0]]}
"""

from __future__ import annotations

import pandas as pd

from ..check.compare import compare, copy_groups, copy_key
from .columns import codes

DECLARED = ("area_declared_km2", "population_declared")
REASONS = {"suspected copy": "copy", "hectares": "hectares", "far off": "far"}  # check's declared_issue -> the map's


def _reason(issue: str, verdict: str) -> str | None:
    """The map's reason from check's ``declared_issue`` and verdict.

    >>> _reason("identical figures", "ok"), _reason("identical figures", "suspect declared"), _reason("", "incomplete")
    ('source', 'shared', 'incomplete')
    """
    if issue == "identical figures":
        return "source" if verdict == "ok" else "shared"
    return REASONS.get(issue) or ("incomplete" if verdict == "incomplete" else None)


def declared_flags(units: pd.DataFrame) -> dict | None:
    """Per unit, the reason a check flags its declared figures (None: none), and the units
    sharing identical figures with it (their row numbers); None when no unit has declared figures.

    >>> declared_flags(pd.DataFrame({"code": ["1"], "name": ["A"], "area_km2": [1.0]})) is None
    True
    """
    if "area_declared_km2" not in units or units["area_declared_km2"].isna().all():
        return None
    text = {"code": codes(units["code"]), "name": units["name"].to_numpy(dtype=object, na_value=None)}
    table = pd.DataFrame({**{k: pd.Series(v, dtype=object) for k, v in text.items()},  # plain objects: faster groups
                          "area_km2": pd.to_numeric(units["area_km2"], errors="coerce").to_numpy()})
    for name in ("population", "n_members_missing"):
        if name in units:
            table[name] = pd.to_numeric(units[name], errors="coerce").to_numpy()
    declared = table.set_index("code")[["name"]].assign(
        **{name: pd.to_numeric(units[name], errors="coerce").to_numpy() for name in DECLARED if name in units})
    declared = declared[~declared.index.duplicated()]
    checked = compare(table, declared)
    flag = [_reason(issue, verdict) for issue, verdict in zip(checked["declared_issue"], checked["verdict"])]
    row, together = {code: k for k, code in enumerate(table["code"])}, [None] * len(table)
    shared = copy_key(declared).duplicated(keep=False).to_numpy()  # groups have two rows or more: only those
    for group in copy_groups(declared[shared]):
        members = [row[code] for code in group if code in row]
        for k in members:
            together[k] = [m for m in members if m != k]
    return {"flag": flag, "with": together}
