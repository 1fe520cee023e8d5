"""The areas where the polygons of two layers intersect, pair by pair.

>>> import shapely
>>> a = np.array([shapely.box(0, 0, 2, 1)])
>>> b = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 3, 1), shapely.box(5, 5, 6, 6)])
>>> overlay_areas(a, b, "EPSG:3405")[["a", "b"]].values.tolist()
[[0, 0], [0, 1]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ..engine.arrange import ArrangementError
from ..engine.halves import in_layers, overlay_halves
from ..measure.area import fast_area_km2


def overlay_areas(a: np.ndarray, b: np.ndarray, crs, a_km2: np.ndarray | None = None) -> pd.DataFrame:
    """One row per pair (``a`` index, ``b`` index) of polygons whose interiors meet, with the
    area of their intersection in km2 (``km2``); both layers in ``crs``; ``a_km2``: the areas of
    ``a`` (km2, :func:`~geoplan.measure.area.fast_area_km2`) when the caller has them. The pieces
    come from the arrangement's overlay of both layers at once
    (:func:`geoplan.engine.arrange.overlay`; overlapping polygons of one layer each keep theirs),
    measured without tracing them: each piece's planar area times its polygon's km2 per planar
    unit (the scale of the plane varies within a polygon: by a few parts in 10,000 on a commune
    in lon/lat, up to about 1% on a province; an invalid polygon's scale is that of its valid
    repair); sorted by ``a`` then ``b``."""
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    left, right = shapely.STRtree(b).query(a)  # boxes that meet
    if not len(left):
        return pd.DataFrame({"a": np.zeros(0, dtype=np.int64), "b": np.zeros(0, dtype=np.int64), "km2": np.zeros(0)})
    try:
        parts = overlay_halves(a, b, left, right, finish=_planar_areas, geometry=False)
    except ArrangementError:  # (a defect of the arrangement: GEOS pair by pair instead)
        return _pairwise_areas(a, b, crs)
    pairs, area = np.concatenate([part[0] for part in parts]), np.concatenate([part[1] for part in parts])
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs, km2 = pairs[order], (area * _km2_per_unit(a, crs, a_km2)[pairs[:, 0]])[order]
    keep = km2 > 0
    return pd.DataFrame({"a": pairs[keep, 0], "b": pairs[keep, 1], "km2": km2[keep]})


def _planar_areas(group: np.ndarray, used: np.ndarray, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (a, b) of an overlay of ``group`` with ``used`` that share some area, as
    indices of the whole layers, and their planar areas."""
    a, b = in_layers(group, used, frame)
    both = (a >= 0) & (b >= 0)
    return np.column_stack([a[both], b[both]]), frame["area"].to_numpy()[both]


def _km2_per_unit(geoms: np.ndarray, crs, km2: np.ndarray | None) -> np.ndarray:
    """Each polygon's area in km2 over its planar area (0 where it has none); invalid ones
    (a bow tie's planar area cancels out) measured as their valid repair.

    >>> _km2_per_unit(np.array([shapely.box(0, 0, 1000, 1000)]), "EPSG:3405", None).round(6).tolist()
    [1e-06]
    """
    geoms = geoms.copy()
    km2 = fast_area_km2(geoms, crs) if km2 is None else np.asarray(km2, dtype=float).copy()
    invalid = np.flatnonzero(~shapely.is_valid(geoms) & ~shapely.is_missing(geoms))
    if len(invalid):
        geoms[invalid] = shapely.make_valid(geoms[invalid])
        km2[invalid] = fast_area_km2(geoms[invalid], crs)
    planar = shapely.area(geoms)
    return np.where(planar > 0, km2 / np.where(planar > 0, planar, 1.0), 0.0)


def _pairwise_areas(a: np.ndarray, b: np.ndarray, crs) -> pd.DataFrame:
    """:func:`overlay_areas` by a GEOS intersection per pair (a polygon of ``a`` lying wholly
    inside one of ``b`` is measured without intersecting them)."""
    left, right = shapely.STRtree(b).query(a, predicate="intersects")
    inside = shapely.contains_properly(b[right], a[left])
    areas = np.empty(len(left))
    areas[inside] = fast_area_km2(a[left[inside]], crs)
    rest = ~inside
    areas[rest] = fast_area_km2(shapely.intersection(a[left[rest]], b[right[rest]]), crs)
    keep = areas > 0
    return pd.DataFrame({"a": left[keep], "b": right[keep], "km2": areas[keep]})
