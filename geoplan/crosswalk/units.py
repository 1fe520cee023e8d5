"""The new units of a merge, measured: their polygons (the pieces dissolved by new unit, from the
engine) with names, geodesic areas, the counts of their pieces, densities and how they were made.

>>> units = units_table(dissolved.units, crs, pieces, plan, ["population"], declared)  # doctest: +SKIP
>>> units.columns.tolist()[:6]  # doctest: +SKIP
['code', 'name', 'parent', 'parent_code', 'level', 'area_km2']
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..engine.dissolve import in_lonlat
from ..measure.area import area_km2
from ..measure.counts import coverage, density, sum_counts
from ..plan.model import Plan
from .table import with_polygon


def units_table(units_geom: gpd.GeoSeries, crs, pieces: gpd.GeoDataFrame, plan: Plan, counts: list[str],
                declared: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """One row per new unit (see docs/CONTRACTS.md, layer ``units``), in lon/lat, with the sums of
    the pieces' ``counts`` (and ``density`` with a ``population``). ``units_geom`` in ``crs``:
    moved to lon/lat by :func:`geoplan.engine.dissolve.in_lonlat` (whose repairs a caller that
    logs them gets by calling it first and giving the lon/lat units)."""
    lonlat = in_lonlat(units_geom, crs)[0]  # a clean coverage in lon/lat too
    info = plan.new_units().set_index("new_code")
    codes = units_geom.index.astype(str)
    frame = pd.DataFrame({
        "code": codes,
        "name": info["new_name"].reindex(codes).fillna("").to_numpy(),
        "parent": info["new_parent"].reindex(codes).fillna("").to_numpy(),
        "parent_code": info["new_parent_code"].reindex(codes).fillna("").to_numpy(),
        "level": plan.links["level"].iloc[0] if len(plan.links) else "",
        "area_km2": area_km2(lonlat),
    })
    if counts:
        sums = sum_counts(pieces, pieces["new_code"].to_numpy(), counts)
        for column in counts:  # missing counts add nothing: the coverage says how much of the unit had one
            frame[column] = sums[column].reindex(codes, fill_value=0).to_numpy()
            frame[f"{column}_coverage"] = coverage(pieces[column], pieces["area_km2"], pieces["new_code"]
                                                   ).reindex(codes).to_numpy()
    if "population" in counts:
        frame["density"] = density(frame["population"], frame["area_km2"])
    made_of = {column: values.reindex(codes).fillna(0).astype(int).to_numpy()
               for column, values in _made_of(pieces, plan).items()}
    for column in ("n_members", "n_approximate", "n_inferred"):
        frame[column] = made_of[column]
    frame["approximate"] = frame["n_approximate"] > 0
    frame["n_members_missing"] = made_of["n_members_missing"]
    if declared is not None:
        frame = frame.merge(declared[["area_declared_km2", "population_declared"]], how="left", left_on="code",
                            right_index=True)
    return gpd.GeoDataFrame(frame, geometry=list(lonlat), crs="EPSG:4326")


def _made_of(pieces: gpd.GeoDataFrame, plan: Plan) -> dict[str, pd.Series]:
    """Per new unit: ``n_members`` (pieces it received), ``n_approximate`` (divided old units
    with a polygon linked to it that could not be split: it received one whole, or lacks its part
    of one that went whole elsewhere), ``n_inferred`` (features placed by the longest border) and ``n_members_missing``
    (old units going to it that have no polygon in the layer)."""
    assignment = plan.assignment().set_index("old_code")
    having = with_polygon(pieces)
    unsplit = set(pieces.loc[pieces["basis"] == "approximate", "old_code"]) & having  # divided, gone whole
    divided = plan.links[plan.links["old_code"].isin(unsplit)]
    without = assignment.index.difference(pd.Index(sorted(having)))
    return {
        "n_members": pieces.groupby("new_code").size(),
        "n_approximate": divided.drop_duplicates(["old_code", "new_code"]).groupby("new_code").size(),
        "n_inferred": pieces.loc[pieces["link"] == "inferred"].groupby("new_code").size(),
        "n_members_missing": assignment.loc[without, "new_code"].value_counts(),
    }
