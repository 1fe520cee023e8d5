"""The pieces a merge makes of the old layer: each feature placed somewhere is a piece going whole
to its new unit (see :mod:`geoplan.crosswalk.table` for the table and its columns).

>>> pieces, shapes = whole_pieces(layer, placement, plan, options)  # doctest: +SKIP
>>> pieces[["old_code", "new_code", "basis", "area_share"]].head(1)  # doctest: +SKIP
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crosswalk.table import with_shares
from ..measure.area import fast_area_km2, to_lonlat
from ..plan.model import Plan
from .layer import OldLayer
from .options import MergeOptions
from .place import Placement


def whole_pieces(layer: OldLayer, placement: Placement, plan: Plan, options: MergeOptions
                 ) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The pieces of a merge whose old units go whole somewhere (every piece a whole
    feature), and their polygons in the old layer's CRS (for the engine), in the same order.

    >>> pieces, shapes = whole_pieces(layer, placement, plan, options)  # doctest: +SKIP
    """
    rows = np.flatnonzero(placement.new_code != None)  # noqa: E711 (element-wise)
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
