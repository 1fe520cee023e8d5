"""Measure units: geodesic area, summed counts, densities, conservation.

Areas are computed on the WGS 84 ellipsoid (VN-2000 uses the same
ellipsoid) whatever the input CRS, in km2. Counts (population and any other
extensive field) are summed over the old units a new unit receives whole;
densities are recomputed from the sums, never averaged.

>>> import shapely
>>> round(float(area_km2([shapely.box(105, 10, 105.1, 10.1)])[0]), 1)
121.3
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from .errors import ConservationError, InputError

WGS84 = Geod(ellps="WGS84")

# Authalic (equal-area) sphere of WGS 84, for the fast bookkeeping areas.
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = np.sqrt(_E2)


def _q(sin_lat: np.ndarray) -> np.ndarray:
    return (1 - _E2) * (sin_lat / (1 - _E2 * sin_lat**2) - np.log((1 - _E * sin_lat) / (1 + _E * sin_lat)) / (2 * _E))


_QP = _q(np.array(1.0))
_RQ2 = _A * _A * _QP / 2  # squared radius of the authalic sphere


def to_lonlat(geoms, crs) -> np.ndarray:
    """Geometries in lon/lat (EPSG:4326) from any CRS.

    >>> to_lonlat([shapely.Point(0, 0)], "EPSG:4326")[0].wkt
    'POINT (0 0)'
    """
    geoms = np.asarray(geoms, dtype=object)
    crs = CRS.from_user_input(crs)
    if crs.is_geographic and crs.datum is not None and crs.datum.name.startswith("World Geodetic System 1984"):
        return geoms  # lon/lat on the WGS 84 datum already (not VN-2000's lon/lat: its datum is shifted)
    transformer = Transformer.from_crs(crs, 4326, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def ring_table(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every ring's coordinates: ``xy``, the ring of each coordinate, and per
    ring the geometry it belongs to and its sign (+1 shell, -1 hole).

    >>> xy, ring, owner, sign = ring_table([shapely.box(0, 0, 3, 3) - shapely.box(1, 1, 2, 2)])
    >>> len(xy), int(ring.max()), owner.tolist(), sign.tolist()
    (10, 1, [0, 0], [1.0, -1.0])
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    rings, part = shapely.get_rings(parts, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    shell = np.ones(len(part), dtype=bool)
    shell[1:] = part[1:] != part[:-1]  # each part's first ring is its shell
    return xy, ring, owner[part], np.where(shell, 1.0, -1.0)


def lonlat_array(geoms, crs=None) -> np.ndarray:
    """Geometries (array, GeoSeries or GeoDataFrame) in lon/lat: ``crs`` if given,
    else the one the GeoSeries carries, else taken as lon/lat already, which
    coordinates beyond +-360 / +-90 refute.

    >>> lonlat_array([shapely.Point(500000, 1100000)])  # doctest: +SKIP
    Traceback (most recent call last):
    geoplan.errors.InputError: coordinates are not longitudes and latitudes (up to 500000, 1100000): give their CRS
    """
    if hasattr(geoms, "columns") and hasattr(geoms, "geometry"):  # a GeoDataFrame: its active geometry
        geoms = geoms.geometry
    given = crs if crs is not None else getattr(geoms, "crs", None)
    geoms = np.asarray(geoms, dtype=object)
    if given is not None:
        return to_lonlat(geoms, given)
    if not len(geoms) or shapely.is_empty(geoms).all() or shapely.is_missing(geoms).all():
        return geoms
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    if max(abs(x0), abs(x1)) > 360 or max(abs(y0), abs(y1)) > 90:
        raise InputError(f"coordinates are not longitudes and latitudes (up to {max(abs(x0), abs(x1)):.0f}, "
                         f"{max(abs(y0), abs(y1)):.0f}): give their CRS")
    return geoms


def area_km2(geoms, crs=None) -> np.ndarray:
    """Geodesic area of each polygon in km2 (holes subtracted), with pyproj's Geod.

    This is the figure geoplan publishes for units. ``geoms``: an array, a
    GeoSeries or a GeoDataFrame; ``crs``: their CRS, by default a GeoSeries'
    own, else lon/lat.

    >>> area_km2([shapely.box(0, 0, 1, 1)]).round(0).tolist()
    [12309.0]
    """
    geoms = lonlat_array(geoms, crs)
    xy, ring, geometry, sign = ring_table(geoms)
    starts = np.searchsorted(ring, np.arange(len(sign) + 1))
    lon, lat = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    ring_area = np.array([abs(WGS84.polygon_area_perimeter(lon[a:b], lat[a:b])[0])
                          for a, b in zip(starts[:-1], starts[1:])], dtype=float)
    return np.bincount(geometry, weights=sign * ring_area, minlength=len(geoms)) / 1e6


def fast_area_km2(geoms, crs=None) -> np.ndarray:
    """Area in km2 of many small polygons at once, for bookkeeping (repairs, lineage).

    Latitudes go to the authalic sphere, which keeps ellipsoidal areas
    exactly; edges are taken as great circles there instead of geodesics,
    which agrees with :func:`area_km2` to about 1e-6 for commune-sized
    polygons. Vectorised: ten times faster than one Geod call per polygon.

    >>> float(fast_area_km2([shapely.box(0, 0, 1, 1)])[0].round(0))
    12309.0
    """
    geoms = lonlat_array(geoms, crs)
    xy, ring, geometry, sign = ring_table(geoms)
    lon = np.radians(xy[:, 0])
    t = np.tan(np.arcsin(np.clip(_q(np.sin(np.radians(xy[:, 1]))) / _QP, -1, 1)) / 2)
    dlon = (np.diff(lon) + np.pi) % (2 * np.pi) - np.pi
    excess = 2 * np.arctan2(np.tan(dlon / 2) * (t[1:] + t[:-1]), 1 + t[1:] * t[:-1])
    same = ring[1:] == ring[:-1]
    ring_area = np.abs(np.bincount(ring[:-1][same], weights=excess[same], minlength=len(sign))) * _RQ2
    return np.bincount(geometry, weights=sign * ring_area, minlength=len(geoms)) / 1e6


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
