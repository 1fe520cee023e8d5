"""What a transfer carries values through: the old units of a merge result, the pieces they went
into, and the new units, drawn from the result's crosswalk (and its lineage).

An old unit is a plan member (keyed by its old code) or a feature placed by the
longest border (``inferred``: keyed by its own code when that code is no plan
member's and no other inferred feature's, else ``#`` and its feature number). A
piece says which share of an old unit went to a new unit: ``area_share`` (of its
area) and ``pop_share`` (of its census count, when the merge summed one), summed
over the old unit's features going there; ``exact`` is False for a divided unit
that went whole to its default new unit for lack of geometry (basis
``approximate``). Old units without any polygon still carry a value: those linked
``full`` go whole to their new unit (a piece without area); those divided are
only counted in the upper bounds of the new units they are linked to
(``touching``).

>>> cw = pd.DataFrame({"feature": [0, 1], "old_code": ["a", "a"], "old_name": ["Xã A"] * 2, "old_parent": ["P"] * 2,
...                    "new_code": ["N", "N"], "new_name": ["Xã N"] * 2, "new_parent": ["P"] * 2,
...                    "link": ["full"] * 2, "linked_by": ["code"] * 2, "basis": ["whole"] * 2,
...                    "area_km2": [1.0, 3.0], "area_share": [0.25, 0.75]})
>>> basis = Basis.of(cw, None, pd.DataFrame({"code": ["N"], "name": ["Xã N"]}), "r.gpkg")
>>> basis.pieces[["key", "new_code", "area_km2", "area_share"]].values.tolist()
[['a', 'N', 4.0, 1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..plan.catalogue import BUILTIN, old_registry
from ..plan.model import Plan

NEW_COLUMNS = ["code", "name", "parent", "parent_code"]  # of the new units, in the transfer's output


@dataclass(frozen=True)
class Basis:
    """``old``: one row per old unit (``key``, ``old_name``, ``old_parent``, ``old_district``,
    ``inferred``, ``area_km2``, ``population``, ``polygon``); ``pieces``: one row per (old unit, new unit) with
    ``unit`` and ``new`` (row positions in ``old`` and ``new``), ``area_km2``, ``area_share``,
    ``pop_share``, ``population`` and ``exact``; ``touching``: ``unit``, ``new`` of every old unit
    linked to or received by a new unit; ``new``: the new units (``code``, ``name``, ``parent``,
    ``parent_code``, and their geometry when known); ``label``: the result's name in messages.

    >>> Basis.of(crosswalk, lineage, units, "communes.gpkg", "vn-2025-commune").divided  # doctest: +SKIP
    True
    """

    old: pd.DataFrame
    pieces: pd.DataFrame
    touching: pd.DataFrame
    new: pd.DataFrame
    label: str

    @classmethod
    def of(cls, crosswalk: pd.DataFrame, lineage: pd.DataFrame | None, units: pd.DataFrame, label: str,
           plan_name: str = "") -> Basis:
        """The basis of a result from its crosswalk, lineage (None: only the crosswalk is known),
        units and plan name (a built-in plan gives the old units' districts, to link by).

        >>> Basis.of(result.crosswalk, result.lineage, result.units, "result").old.columns[:3].tolist()  # doctest: +SKIP
        ['key', 'old_name', 'old_parent']
        """
        members = set(lineage.loc[lineage["link"] != "inferred", "old_code"]) if lineage is not None else set()
        crosswalk = crosswalk.assign(key=_keys(crosswalk, members))
        pieces = _pieces(crosswalk, lineage)
        old = _old_units(pieces, plan_name)
        new = _new_units(units, pieces)
        position = pd.Series(np.arange(len(old)), index=old["key"])
        new_position = pd.Series(np.arange(len(new)), index=new["code"])
        touching = pieces[["key", "new_code"]]
        if lineage is not None:
            linked = lineage.loc[lineage["link"] != "inferred", ["old_code", "new_code"]]
            touching = pd.concat([touching, linked.set_axis(["key", "new_code"], axis=1)])
        touching = touching[within(touching["new_code"], set(new_position.index))].drop_duplicates()
        placed = pieces[pieces["placed"]].reset_index(drop=True)
        placed = placed.assign(unit=position[placed["key"]].to_numpy(), new=new_position[placed["new_code"]].to_numpy())
        touching = pd.DataFrame({"unit": position[touching["key"]].to_numpy(),
                                 "new": new_position[touching["new_code"]].to_numpy()})
        return cls(old, placed, touching, new, label)

    def linking_plan(self) -> Plan:
        """The old units as a plan to link a table's rows by (:func:`geoplan.link.match.link_features`):
        each old unit a member under its key.

        >>> basis.linking_plan().members()["old_code"].tolist()  # doctest: +SKIP
        ['a']
        """
        old = self.old[["key", "old_name", "old_parent", "old_district"]].astype(object)  # plain strings: faster look-ups
        return Plan(pd.DataFrame({"old_code": old["key"], "new_code": "", "new_name": "", "link": "full", "level": "",
                                  "old_name": old["old_name"], "old_parent": old["old_parent"],
                                  "old_district": old["old_district"], "new_parent": "", "new_parent_code": "",
                                  "default": False}, dtype=object), self.label)

    def without(self, units: np.ndarray) -> Basis:
        """The basis without the pieces of some old units (``units``: a mask over ``old``), which then
        go nowhere: neither counted nor expected to have a value.

        >>> basis.without(basis.old["inferred"].to_numpy())  # doctest: +SKIP
        """
        keep = ~units[self.pieces["unit"].to_numpy()]
        touching = self.touching[~units[self.touching["unit"].to_numpy()]]
        return Basis(self.old, self.pieces[keep].reset_index(drop=True), touching.reset_index(drop=True), self.new,
                     self.label)

    @property
    def divided(self) -> bool:
        """Whether some old unit was divided (linked to or split between several new units, or gone whole
        to its default unit for lack of geometry): then sums have bounds.

        >>> basis.divided  # doctest: +SKIP
        False
        """
        units = self.touching["unit"].to_numpy()
        return bool(len(np.unique(units)) < len(units) or not self.pieces["exact"].all())


def within(values, known: set) -> np.ndarray:
    """Which ``values`` are in ``known`` (a plain set look-up: ``isin`` on Arrow strings is slow).

    >>> within(pd.Series(["a", "b"]), {"b"}).tolist()
    [False, True]
    """
    return np.fromiter((value in known for value in np.asarray(values, dtype=object)), dtype=bool, count=len(values))


def _keys(crosswalk: pd.DataFrame, members: set) -> np.ndarray:
    """The key of each piece's old unit: its old code; for an inferred feature its own code when
    that is no plan member's (``members``: those of the lineage, with or without polygon) and no
    other inferred feature's, else "#" and the feature number.

    >>> _keys(pd.DataFrame({"old_code": ["1", "1", "2", "3", ""], "link": ["full"] + ["inferred"] * 4,
    ...                     "feature": [0, 1, 2, 3, 4]}), {"3"}).tolist()
    ['1', '#1', '2', '#3', '#4']
    """
    inferred = crosswalk["link"].to_numpy() == "inferred"
    codes = crosswalk["old_code"].fillna("").astype(str).to_numpy(dtype=object)
    members = set(members) | set(codes[~inferred])
    own = pd.Series(codes[inferred])
    usable = (own != "") & ~within(own, members) & ~own.duplicated(keep=False)
    features = "#" + crosswalk["feature"].astype(str).to_numpy(dtype=object)[inferred]
    keys = codes.copy()
    keys[inferred] = np.where(usable, own, features)
    return keys


def _pieces(crosswalk: pd.DataFrame, lineage: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (old unit, new unit): the crosswalk's pieces summed, then the old units without
    polygon of the lineage (``placed`` where their share is known: linked ``full``)."""
    if "population" not in crosswalk:
        crosswalk = crosswalk.assign(population=np.nan, pop_share=np.nan)
    grouped = crosswalk.groupby(["key", "new_code"], sort=False)
    pieces = grouped[["area_km2", "area_share"]].sum()
    for column in ("pop_share", "population"):
        pieces[column] = grouped[column].sum(min_count=1)
    first = grouped[["old_name", "old_parent", "new_name", "new_parent", "basis", "link"]].first()
    pieces = pieces.join(first).reset_index()
    pieces["exact"] = pieces["basis"] != "approximate"
    pieces["placed"] = True
    if lineage is None:
        return pieces
    none = lineage[(lineage["linked_by"] == "none").to_numpy() & ~within(lineage["old_code"], set(pieces["key"]))]
    without = pd.DataFrame({"key": none["old_code"], "new_code": none["new_code"], "area_km2": 0.0,
                            "area_share": 1.0, "pop_share": np.nan, "population": np.nan,
                            "old_name": none["old_name"], "old_parent": none["old_parent"],
                            "new_name": none["new_name"], "new_parent": none["new_parent"], "basis": "whole",
                            "link": none["link"],
                            "exact": True, "placed": (none["link"] == "full").to_numpy()})
    return pd.concat([pieces, without], ignore_index=True)


def _old_units(pieces: pd.DataFrame, plan_name: str) -> pd.DataFrame:
    """One row per old unit, with its district from the built-in plan it was merged by."""
    by_unit = pieces.groupby("key", sort=False)
    old = by_unit[["old_name", "old_parent"]].first()
    old["inferred"] = by_unit["link"].first() == "inferred"
    old["area_km2"] = by_unit["area_km2"].sum()
    old["population"] = by_unit["population"].sum(min_count=1)
    old["polygon"] = old["area_km2"] > 0
    districts = old_registry()["old_district"].dropna().to_dict() if plan_name in BUILTIN else {}
    old["old_district"] = [districts.get(key, "") for key in old.index]
    return old.reset_index().fillna({"old_name": "", "old_parent": ""})


def _new_units(units: pd.DataFrame, pieces: pd.DataFrame) -> pd.DataFrame:
    """The result's new units, then those only old units without polygon go to (no geometry)."""
    new = units[[c for c in NEW_COLUMNS if c in units] + ([units.geometry.name] if hasattr(units, "geometry") and
                                                           units.geometry.name in units else [])]
    new = new.reset_index(drop=True).astype({"code": str})
    extra = pieces.loc[~within(pieces["new_code"], set(new["code"])), ["new_code", "new_name", "new_parent"]]
    extra = extra.drop_duplicates("new_code").set_axis(["code", "name", "parent"], axis=1)
    return pd.concat([new, extra], ignore_index=True).fillna({"name": "", "parent": "", "parent_code": ""})
