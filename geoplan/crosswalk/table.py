"""The crosswalk: one row per piece of an old unit going to a new unit.

A piece says: this part of this old unit (or of this feature of the old
layer) goes to that new unit, with its area, its share of the old unit's area,
its counts and its share of the old unit's population, and the basis of the
allocation:

- ``whole``: the old unit goes whole to the new unit (a ``full`` link, or a
  feature matching no plan member placed by the longest border: link ``inferred``,
  its ``old_code`` the feature's own code);
- ``approximate``: a divided old unit (``partial`` links) went whole to its
  default new unit, for lack of geometry to split it.

Units, the lineage and the totals of a merge are all derived from this table.
For every old unit, its pieces' ``area_share`` add up to 1 and their counts to
its own.

Columns: ``feature`` (row of the old layer), ``old_code``, ``old_name``,
``old_parent``, ``new_code``, ``new_name``, ``new_parent``, ``link`` (``full``,
``partial``, ``inferred``), ``linked_by``, ``basis``, ``area_km2``,
``area_share``, the counts (``population``...), ``pop_share``, geometry (lon/lat);
``unit_key`` tells old units apart (the old code; for an inferred feature, the feature).

>>> pieces = pd.DataFrame({"unit_key": ["a", "a", "b"], "area_km2": [1.0, 3.0, 2.0], "population": [10, 30, None]})
>>> with_shares(pieces, ["population"])[["area_share", "pop_share"]].values.tolist()
[[0.25, 0.25], [0.75, 0.75], [1.0, nan]]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..measure.area import has_area

COLUMNS = ["feature", "old_code", "old_name", "old_parent", "new_code", "new_name", "new_parent", "link",
           "linked_by", "basis", "area_km2", "area_share"]  # then the counts, pop_share and the geometry


def with_shares(pieces: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    """``area_share`` (of the old unit's area; equal shares where the unit has no area)
    and, with a ``population`` count, ``pop_share`` (of the unit's population; missing
    where it has none), the old unit being ``unit_key``."""
    by_unit = pieces.groupby("unit_key", sort=False)
    total = by_unit["area_km2"].transform("sum")
    equal = 1.0 / by_unit["area_km2"].transform("size")
    pieces = pieces.assign(area_share=np.where(total > 0, pieces["area_km2"] / total.where(total > 0), equal))
    if "population" in counts:
        people = by_unit["population"].transform("sum").where(by_unit["population"].transform("count") > 0)
        pieces["pop_share"] = pieces["population"] / people.where(people > 0)
    return pieces


def with_polygon(pieces: gpd.GeoDataFrame) -> set:
    """The plan's old units that have a polygon in the layer (a piece with a geometry).

    >>> import shapely
    >>> with_polygon(gpd.GeoDataFrame({"old_code": ["1", "2"], "link": ["full", "full"]},
    ...                               geometry=[shapely.box(0, 0, 1, 1), None]))
    {'1'}
    """
    linked = pieces["link"].to_numpy() != "inferred"
    return set(pieces.loc[linked & has_area(pieces.geometry.to_numpy()), "old_code"].tolist())


def has_polygon(codes: pd.Series, pieces: gpd.GeoDataFrame) -> pd.Series:
    """Whether each old code has a polygon in the layer (:func:`with_polygon`), as a mask of ``codes``.

    >>> import shapely
    >>> has_polygon(pd.Series(["1", "2", "3"]), gpd.GeoDataFrame({"old_code": ["1", "2"], "link": ["full", "full"]},
    ...                                                             geometry=[shapely.box(0, 0, 1, 1), None])).tolist()
    [True, False, False]
    """
    codes_with_polygon = with_polygon(pieces)  # a set: ``in`` is much faster than Series.isin on Arrow strings
    return pd.Series([code in codes_with_polygon for code in codes.tolist()], index=codes.index, dtype=bool)


def main_pieces(pieces: pd.DataFrame, n: int) -> pd.DataFrame:
    """The largest piece of each of ``n`` features, indexed by feature (rows of NaN where it has none).

    >>> main_pieces(pd.DataFrame({"feature": [1, 1], "new_code": ["A", "B"], "area_km2": [1.0, 2.0]}), 3)["new_code"].tolist()
    [nan, 'B', nan]
    """
    main = pieces.sort_values("area_km2", ascending=False, kind="stable").drop_duplicates("feature")
    return main.set_index("feature").reindex(range(n))


def feature_units(pieces: pd.DataFrame, n: int) -> np.ndarray:
    """The new unit of each of ``n`` features (that of its largest piece), None where it has none.

    >>> feature_units(pd.DataFrame({"feature": [1], "new_code": ["A"], "area_km2": [1.0]}), 3).tolist()
    [None, 'A', None]
    """
    units = main_pieces(pieces, n)["new_code"].to_numpy(dtype=object)
    return np.where(pd.isna(units), None, units)
