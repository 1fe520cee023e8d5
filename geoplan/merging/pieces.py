"""The pieces a merge makes of the old layer: each feature placed somewhere is a piece going whole
to its new unit, and a divided old unit's polygon cut along a reference or lines becomes one piece
per part (see :mod:`geoplan.crosswalk.table` for the table and its columns).

>>> pieces, shapes = whole_pieces(layer, placement, plan, options)  # doctest: +SKIP
>>> pieces[["old_code", "new_code", "basis", "area_share"]].head(1)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crosswalk.table import with_shares
from ..measure.counts import whole_numbers
from ..measure.area import fast_area_km2, to_lonlat
from ..plan.model import Plan
from .layer import OldLayer
from .options import MergeOptions
from .place import Placement
from .weights import Weights, apportion, shares_of


def whole_shapes(layer: OldLayer, placement: Placement) -> tuple[np.ndarray, np.ndarray]:
    """The polygons of the features placed somewhere (the engine's input when nothing is split) and
    their new codes, in the order of :func:`whole_pieces`.

    >>> shapes, codes = whole_shapes(layer, placement)  # doctest: +SKIP
    """
    rows = _placed_rows(placement)
    return layer.geoms[rows], placement.new_code[rows]


def _placed_rows(placement: Placement) -> np.ndarray:
    return np.flatnonzero(placement.new_code != None)  # noqa: E711 (element-wise)


def whole_pieces(layer: OldLayer, placement: Placement, plan: Plan, options: MergeOptions
                 ) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The pieces of a merge whose old units go whole somewhere (every piece a whole
    feature), and their polygons in the old layer's CRS (for the engine), in the same order.

    >>> pieces, shapes = whole_pieces(layer, placement, plan, options)  # doctest: +SKIP
    """
    rows = _placed_rows(placement)
    table = placement.links.table.iloc[rows]
    linked = table["old_code"].notna().to_numpy()
    members = plan.links.drop_duplicates("old_code").set_index("old_code")
    old_code = np.where(linked, table["old_code"].to_numpy(dtype=object),
                        table["feature_code"].fillna("").astype(str).to_numpy(dtype=object))
    names, parents = layer.text("name")[rows], layer.text("parent")[rows]
    plan_names = table["old_code"].map(members["old_name"]).fillna("").to_numpy(dtype=object)
    plan_parents = table["old_code"].map(members["old_parent"]).fillna("").to_numpy(dtype=object)
    approximate = table["old_code"].map(plan.assignment().set_index("old_code")["approximate"]).fillna(False)
    new_units = plan.new_units().set_index("new_code")
    new_code = placement.new_code[rows]
    link = np.where(linked, np.where(approximate.to_numpy(dtype=bool), "partial", "full"), "inferred")
    pieces = pd.DataFrame({
        "feature": rows,
        "old_code": old_code,
        "old_name": np.where(plan_names != "", plan_names, names),
        "old_parent": np.where(linked, plan_parents, parents),
        "new_code": new_code,
        "new_name": pd.Series(new_code).map(new_units["new_name"]).fillna("").to_numpy(),
        "new_parent": pd.Series(new_code).map(new_units["new_parent"]).fillna("").to_numpy(),
        "link": link,
        "linked_by": np.where(linked, table["linked_by"].to_numpy(dtype=object), "inferred"),
        "basis": np.where(approximate.to_numpy(dtype=bool), "approximate", "whole"),
        "count_basis": "whole",
        "area_km2": np.where(layer.measurable[rows], layer.areas_km2[rows], 0.0),
        "unit_key": np.where(linked, old_code, "#" + rows.astype(str)),  # an inferred feature is a unit of its own
    })
    for name in options.counts:
        pieces[options.column(name)] = layer.counts[name].to_numpy()[rows]
    pieces = with_shares(pieces, [options.column(name) for name in options.counts])
    return gpd.GeoDataFrame(pieces, geometry=list(layer.lonlat[rows]), crs="EPSG:4326"), layer.geoms[rows]


def repaired(pieces: gpd.GeoDataFrame, shapes: np.ndarray, fixed: dict, crs) -> gpd.GeoDataFrame:
    """The pieces with the polygons the engine repaired (``fixed``: {position: geometry in
    the layer's CRS}): their repaired geometry and area, shares again.

    >>> repaired(pieces, shapes, {}, "EPSG:4326") is pieces  # doctest: +SKIP
    True
    """
    if not fixed:
        return pieces
    rows = np.fromiter(fixed, dtype=np.int64)
    geoms = np.array(list(fixed.values()), dtype=object)
    pieces = pieces.copy()
    pieces.iloc[rows, pieces.columns.get_loc("area_km2")] = fast_area_km2(geoms, crs)
    pieces.iloc[rows, pieces.columns.get_loc(pieces.geometry.name)] = to_lonlat(geoms, crs)
    counts = [c for c in ("population",) if c in pieces]
    return gpd.GeoDataFrame(with_shares(pieces, counts), crs="EPSG:4326")


@dataclass(frozen=True)
class Cutting:
    """How parts of pieces are made pieces: the plan (names of their new units), the old layer's
    CRS, the count columns, the weight layer apportioning them (None: by area) and the basis
    (``split:reference``, ``split:lines``)."""

    plan: Plan
    crs: object
    counts: list
    weights: Weights | None
    basis: str


def with_parts(pieces: gpd.GeoDataFrame, shapes: np.ndarray, parts: pd.DataFrame, part_shapes: np.ndarray,
               cutting: Cutting) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The pieces with each piece listed in ``parts["source"]`` replaced by its parts (``parts``:
    ``source``, ``new_code``; ``part_shapes``: their polygons in the layer's CRS), each with
    its area, its share of the counts (:mod:`geoplan.merging.weights`: parts add up to the
    piece exactly) and the cutting's basis; in the order of the features."""
    if not len(parts):
        return pieces, shapes
    source = parts["source"].to_numpy()
    new_units = cutting.plan.new_units().set_index("new_code")
    new = pd.DataFrame(pieces.drop(columns="geometry").iloc[source]).reset_index(drop=True)
    new["new_code"] = parts["new_code"].to_numpy()
    new["new_name"] = new["new_code"].map(new_units["new_name"]).fillna("")
    new["new_parent"] = new["new_code"].map(new_units["new_parent"]).fillna("")
    new["basis"], new["area_km2"] = cutting.basis, fast_area_km2(part_shapes, cutting.crs)
    share, new["count_basis"] = shares_of(part_shapes, source, cutting.weights, cutting.crs)
    for column in cutting.counts:
        whole = whole_numbers(pieces[column])
        values = np.zeros(len(new), dtype=float)
        for i, rows in pd.Series(np.arange(len(new))).groupby(source):
            values[rows.to_numpy()] = apportion(pieces[column].iloc[i], share[rows.to_numpy()], whole)
        new[column] = values
    kept = np.setdiff1d(np.arange(len(pieces)), source)
    table = pd.concat([pd.DataFrame(pieces.drop(columns="geometry").iloc[kept]), new], ignore_index=True)
    geoms = np.concatenate([pieces.geometry.to_numpy()[kept], to_lonlat(part_shapes, cutting.crs)])
    all_shapes = np.concatenate([shapes[kept], part_shapes])
    order = np.argsort(table["feature"].to_numpy(), kind="stable")
    table = with_shares(table.iloc[order].reset_index(drop=True), cutting.counts)
    for column in cutting.counts:  # whole counts stay integers where none is missing
        if whole_numbers(table[column]) and table[column].notna().all():
            table[column] = table[column].round().astype("int64")
    return gpd.GeoDataFrame(table, geometry=list(geoms[order]), crs="EPSG:4326"), all_shapes[order]
