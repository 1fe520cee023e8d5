"""Geometry for display: lon/lat, made valid, simplified (shared edges kept), outlines, label points.

>>> simplify_coverage(np.array([shapely.box(0, 0, 1, 1)]), 0.01)[0].area
1.0
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..engine.dissolve import dissolve_clean
from ..engine.geometry import is_polygonal
from ..errors import InputError
from ..measure.area import has_area

COARSE = 4  # a layer whose segments average this many tolerances is not simplified: little would go


def to_wgs84(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``gdf`` in WGS 84 (EPSG:4326), refused without a CRS as every layer is."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError("maps.not_a_frame", what=what, kind=type(gdf).__name__)
    if gdf.crs is None:
        raise InputError("maps.no_crs", what=what)
    if gdf.crs.to_epsg() != 4326:
        return gdf.to_crs(4326)
    return gdf


def coarse(geoms: np.ndarray, tolerance: float) -> bool:
    """Whether simplifying ``geoms`` by ``tolerance`` would remove little: their segments average
    ``COARSE`` tolerances or more (the c.2013 communes at 1:250,000 and what is merged from them).

    >>> coarse(np.array([shapely.box(0, 0, 1, 1)]), 0.01), coarse(np.array([shapely.box(0, 0, 1, 1)]), 0.5)
    (True, False)
    """
    return bool(tolerance <= 0 or shapely.length(geoms).sum() >= COARSE * tolerance * shapely.get_num_coordinates(geoms).sum())


def simplify_coverage(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Coverage-preserving simplification (none for a coarse layer, :func:`coarse`); other
    geometries become None."""
    out = np.full(len(geoms), None, dtype=object)
    ok = is_polygonal(geoms)
    if not ok.any():
        return out
    if coarse(geoms[ok], tolerance):
        out[ok] = geoms[ok]
        return out
    try:
        out[ok] = shapely.coverage_simplify(geoms[ok], tolerance)
    except (shapely.errors.GEOSException, ValueError):  # not a coverage GEOS can process
        out[ok] = shapely.simplify(geoms[ok], tolerance, preserve_topology=True)
    return out




def simplify_each(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Per-polygon simplification, for layers that are not a clean coverage (none for a coarse
    layer, :func:`coarse`).

    >>> simplify_each(np.array([shapely.box(0, 0, 1, 1)]), 0.01)[0].area
    1.0
    """
    out = np.full(len(geoms), None, dtype=object)
    ok = is_polygonal(geoms)
    if ok.any():
        out[ok] = geoms[ok] if coarse(geoms[ok], tolerance) else shapely.simplify(geoms[ok], tolerance, preserve_topology=True)
    return out


def dissolve_outlines(geoms: np.ndarray, keys: np.ndarray) -> dict:
    """Union of simplified units per key (the province outlines), by the clean dissolve.

    Simplifying a layer that is not a clean coverage can leave a ring
    crossing itself: the dissolve repairs such polygons itself.

    >>> dissolve_outlines(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]), np.array(["a", "a"]))["a"].area
    2.0
    """
    ok = is_polygonal(geoms)
    if not ok.any():
        return {}
    return dissolve_clean(geoms[ok], keys[ok], gap_width_m=0.0).units.to_dict()


def label_points(geoms: np.ndarray) -> list:
    """A point inside each polygon, as ``[lat, lon]`` rounded to 5 decimals; None where there is no area.

    >>> label_points(np.array([shapely.box(105, 10, 105.2, 10.1), None], dtype=object))
    [[10.05, 105.1], None]
    """
    geoms = np.asarray(geoms, dtype=object)
    out = [None] * len(geoms)
    ok = np.flatnonzero(has_area(geoms))
    if not len(ok):
        return out
    points = shapely.point_on_surface(geoms[ok])
    xy = np.round(shapely.get_coordinates(points), 5).tolist()
    found = ~shapely.is_empty(points)
    for k, (x, y) in zip(ok[found].tolist(), xy):
        out[k] = [y, x]
    return out
