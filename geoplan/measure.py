"""Measure units: geodesic area, summed counts, densities, conservation.

Areas are computed on the WGS 84 ellipsoid (VN-2000 uses the same
ellipsoid) whatever the input CRS, in km2. Counts (population and any other
extensive field) are summed over the old units a new unit receives whole;
densities are recomputed from the sums, never averaged.

>>> import shapely
>>> round(float(area_km2([shapely.box(105, 10, 105.1, 10.1)])[0]), 1)
120.6
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from .errors import ConservationError

WGS84 = Geod(ellps="WGS84")


def to_lonlat(geoms, crs) -> np.ndarray:
    """Geometries in lon/lat (EPSG:4326) from any CRS.

    >>> to_lonlat([shapely.Point(0, 0)], "EPSG:4326")[0].wkt
    'POINT (0 0)'
    """
    geoms = np.asarray(geoms, dtype=object)
    crs = CRS.from_user_input(crs)
    if crs.equals(CRS.from_epsg(4326)) or (crs.is_geographic and crs.ellipsoid and crs.ellipsoid.name == "WGS 84"):
        return geoms
    transformer = Transformer.from_crs(crs, 4326, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def area_km2(geoms, crs="EPSG:4326") -> np.ndarray:
    """Geodesic area of each polygon in km2 (holes subtracted).

    >>> area_km2([shapely.box(0, 0, 1, 1)]).round(0).tolist()
    [12309.0]
    """
    geoms = to_lonlat(geoms, crs)
    out = np.zeros(len(geoms))
    for i, geom in enumerate(geoms):
        if geom is not None and not geom.is_empty:
            out[i] = abs(WGS84.geometry_area_perimeter(shapely.make_valid(geom) if not geom.is_valid else geom)[0]) / 1e6
    return out


def sum_counts(values: pd.DataFrame, keys, fields: list[str]) -> pd.DataFrame:
    """Sum count fields per key; missing counts are treated as 0 and counted.

    >>> sum_counts(pd.DataFrame({"pop": [1, 2, None]}), ["a", "a", "b"], ["pop"])["pop"].tolist()
    [3, 0]
    """
    counts = values[fields].apply(pd.to_numeric, errors="coerce")
    frame = counts.fillna(0).round().astype("int64").assign(_key=np.asarray(keys))
    return frame.groupby("_key", sort=True)[fields].sum()


def density(counts: pd.Series, areas: pd.Series) -> pd.Series:
    """Counts per km2, recomputed from sums; empty area gives NaN.

    >>> density(pd.Series([100]), pd.Series([4.0])).tolist()
    [25.0]
    """
    return counts / areas.where(areas > 0)


def check_conserved(label: str, before: float, after: float, tolerance: float) -> float:
    """Relative difference of a total, raising ConservationError beyond tolerance.

    >>> check_conserved("population", 100, 100, 0.0)
    0.0
    """
    diff = (after - before) / before if before else 0.0
    if abs(diff) > tolerance:
        raise ConservationError(
            f"{label} not conserved: {before:,.2f} before, {after:,.2f} after ({diff:+.4%}, tolerance {tolerance:.4%})"
        )
    return diff
