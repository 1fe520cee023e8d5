"""Geometry for display: lon/lat, made valid, simplified (shared edges kept), outlines, label points.

>>> simplify_each(np.array([shapely.box(0, 0, 1, 1)]), 0.01)[0].area
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


def to_wgs84(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``gdf`` in WGS 84 (EPSG:4326), refused without a CRS as every layer is."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what}: expected a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise InputError(f"{what}: the layer has no CRS (coordinate reference system); set one, e.g. with set_crs(4326)")
    if gdf.crs.to_epsg() != 4326:
        return gdf.to_crs(4326)
    return gdf


def simplify_coverage(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Coverage-preserving simplification; other geometries become None."""
    out = np.full(len(geoms), None, dtype=object)
    ok = is_polygonal(geoms)
    if not ok.any():
        return out
    if tolerance <= 0:
        out[ok] = geoms[ok]
        return out
    try:
        out[ok] = shapely.coverage_simplify(geoms[ok], tolerance)
    except (shapely.errors.GEOSException, ValueError):  # not a coverage GEOS can process
        out[ok] = shapely.simplify(geoms[ok], tolerance, preserve_topology=True)
    return out


def simplify_each(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Per-polygon simplification, for layers that are not a clean coverage."""
    out = np.full(len(geoms), None, dtype=object)
    ok = is_polygonal(geoms)
    if ok.any():
        out[ok] = shapely.simplify(geoms[ok], tolerance, preserve_topology=True) if tolerance > 0 else geoms[ok]
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
    out = []
    ok = has_area(geoms)
    pts = np.full(len(geoms), None, dtype=object)
    if ok.any():
        pts[ok] = shapely.point_on_surface(shapely.make_valid(geoms[ok]))
    for p in pts:
        if p is None or shapely.is_empty(p):
            out.append(None)
        else:
            out.append([round(p.y, 5), round(p.x, 5)])
    return out
