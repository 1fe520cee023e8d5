"""The units a check lists without comparing them: new units of a built-in plan that have no
polygon in the result, and declared codes that match no unit of it.

>>> absent_rows(["00340"], "no polygon", pd.Series({"00340": "Phường Yên Sở"}), None,
...             pd.DataFrame({"area_declared_km2": [1.0]}, index=["00340"]))[["code", "verdict"]].values.tolist()
[['00340', 'no polygon']]
"""

from __future__ import annotations

import pandas as pd

from ..i18n import render
from ..link.names import folded_key
from ..plan.catalogue import BUILTIN, read_plan
from ..plan.coverage import units_within_layer
from .compare import join_notes
from .declared import align_codes


def absent_rows(codes: list[str], verdict: str, names: pd.Series, parents: pd.Series | None,
                declared: pd.DataFrame) -> pd.DataFrame:
    """Rows of the check table for units that have no polygon in the result (see the module's example)."""
    rows = pd.DataFrame({"code": codes, "name": [names.get(c, "") for c in codes]})
    if parents is not None:
        rows["parent"] = [parents.get(c, "") for c in codes]
    rows = rows.join(declared.drop(columns=["name"], errors="ignore"), on="code")
    rows["verdict"] = verdict
    return rows


def same_name_elsewhere(rows: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """For declared codes that match no unit: the result's units of the same name, if any (a code
    changed), in column ``same_name`` and said in the note.

    >>> rows = pd.DataFrame({"code": ["23938"], "name": ["Xã Ia Mơ"], "note": [""]})
    >>> same_name_elsewhere(rows, pd.DataFrame({"code": ["23737"], "name": ["Xã Ia Mơ"]}))["same_name"].tolist()
    ['23737']
    """
    by_name = units.groupby(units["name"].map(folded_key))["code"].agg(", ".join)
    found = rows["name"].fillna("").map(folded_key).map(by_name).fillna("")
    notes = rows["note"] if "note" in rows else pd.Series("", index=rows.index)
    return rows.assign(same_name=found, note=[join_notes(note, render("check.note_same_name", codes=codes) if codes else "")
                                              for note, codes in zip(notes.fillna(""), found)])


def _plan_units(plan: str) -> pd.DataFrame | None:
    """New units of a built-in plan (code, name, parent), or None for any other plan."""
    if plan not in BUILTIN:
        return None
    links = read_plan(plan).links.drop_duplicates("new_code")
    return pd.DataFrame({"name": links["new_name"].to_numpy(), "parent": links["new_parent"].to_numpy()},
                        index=links["new_code"].to_numpy())


def absent(plan: str, units: pd.DataFrame, unmatched: pd.DataFrame, lineage: pd.DataFrame | None) -> list[pd.DataFrame]:
    """Rows for the new units of a built-in plan without polygon (those within the
    provinces the layer covers, by the result's lineage), with the declared figures
    of ``unmatched`` that belong to them, and for the other unmatched declared codes
    (those of units outside the layer are left out).

    >>> absent("plan.csv", units, unmatched, None)  # doctest: +SKIP
    """
    plan_units = _plan_units(plan)
    frames = []
    if plan_units is not None:
        expected = set(plan_units.index)
        if lineage is not None and {"old_parent", "new_code", "linked_by"} <= set(lineage.columns):
            expected &= units_within_layer(lineage, lineage["linked_by"] != "none")
            _, _, inside = align_codes(unmatched, sorted(set(plan_units.index) - expected))
            unmatched = unmatched.loc[inside]
        no_polygon = sorted(expected - set(units["code"]))
        if no_polygon:
            theirs, _, left = align_codes(unmatched, no_polygon)
            frames.append(absent_rows(no_polygon, "no polygon", plan_units["name"], plan_units["parent"], theirs))
            unmatched = unmatched.loc[left]
    if len(unmatched):
        names = unmatched["name"] if "name" in unmatched else pd.Series(dtype=object)
        frames.append(same_name_elsewhere(absent_rows(list(unmatched.index), "not in result", names, None, unmatched), units))
    return frames
