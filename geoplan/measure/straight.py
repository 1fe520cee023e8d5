"""Areas that add up: of polygons whose edges are straight in longitude and latitude, on the
WGS 84 ellipsoid, from geometries or from the arrangement's ragged arrays.

Cutting a polygon at a unit's boundary (GEOS works in the plane of longitude and latitude) puts
new vertices on its edges, on the straight line between the old ones. An area that takes edges
as geodesics or great circles (:func:`geoplan.measure.area.area_km2`, ``fast_area_km2``) sees
each split edge bend a little: on 1:250,000 communes the pieces of one polygon then add up to
its area only within about 1e-5. Taking edges as straight in longitude and latitude, as the
geometry itself does, the area of a region is exact on the ellipsoid and additive: every
polygon's pieces add up to it to rounding (about 1e-12). Against ``area_km2`` it differs by the
bend of each edge: about 1e-5 on communes, nothing on buildings.

For a ring, with the authalic latitude ``b`` (the sphere of radius ``R`` with the ellipsoid's
area), the area is ``R^2 |sum over edges of dlon * mean(sin b)|``, the mean taken along the edge
(2-point Gauss-Legendre: its error grows as the fourth power of the edge's span of latitude,
under 1e-12 of the area for edges under a degree), holes subtracted.

>>> import shapely
>>> round(float(straight_area_km2([shapely.box(105, 10, 105.1, 10.1)])[0]), 3)
121.251
"""

from __future__ import annotations

import numpy as np

from .area import (
    _QP,
    _RQ2,
    _q,
    geometry_km2,
    lonlat_array,
    owners,
    ragged_rings,
    ring_table,
)

_NODES = 0.5 + np.array([-0.5, 0.5]) / np.sqrt(3.0)  # Gauss-Legendre on [0, 1]
_WEIGHTS = np.array([0.5, 0.5])
CHUNK = 1 << 18  # edges per step: temporaries stay small


def straight_area_km2(geoms, crs=None) -> np.ndarray:
    """Area in km2 of each polygon, its edges straight in longitude and latitude (see the module).

    >>> import shapely
    >>> whole, left, right = shapely.box(105, 10, 106, 11), shapely.box(105, 10, 105.3, 11), shapely.box(105.3, 10, 106, 11)
    >>> a = straight_area_km2([whole, left, right])
    >>> bool(abs(a[1] + a[2] - a[0]) < 1e-9 * a[0])
    True
    """
    geoms = lonlat_array(geoms, crs)
    xy, offsets, owner, hole = ring_table(geoms)
    return geometry_km2(ring_areas_m2(xy, offsets), owner, hole, len(geoms))


def ragged_straight_area_km2(xy: np.ndarray, offsets: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """:func:`straight_area_km2` of MultiPolygons in lon/lat given as ragged arrays (coordinates,
    and ring, polygon and geometry offsets, as ``shapely.to_ragged_array`` gives them), without
    making geometries of them: taking the rings out of tens of thousands of geometries costs
    several times the arithmetic.

    >>> import shapely
    >>> xy, offsets = shapely.to_ragged_array([shapely.MultiPolygon([shapely.box(105, 10, 105.1, 10.1)])])[1:]
    >>> round(float(ragged_straight_area_km2(xy, offsets)[0]), 3)
    121.251
    """
    return geometry_km2(ring_areas_m2(xy, offsets[0]), *ragged_rings(offsets), len(offsets[2]) - 1)


def ring_areas_m2(xy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The area in m2 of each closed ring ``xy[offsets[i]:offsets[i + 1]]`` (lon/lat), its edges
    straight in longitude and latitude, whatever its orientation.

    >>> round(float(ring_areas_m2(np.array([[105, 10], [105.1, 10], [105.1, 10.1], [105, 10]]), np.array([0, 4]))[0] / 1e6), 3)
    60.629
    """
    xy = np.asarray(xy, dtype=np.float64)
    ring = owners(offsets)
    total = np.zeros(len(offsets) - 1)
    reference = _sin_authalic(np.radians(xy[offsets[:-1], 1])) if len(xy) else total  # a ring's dlon sum to 0
    for a in range(0, max(len(xy) - 1, 0), CHUNK):
        b = min(a + CHUNK + 1, len(xy))
        same = ring[a + 1:b] == ring[a:b - 1]  # edges within a ring
        lon, lat = np.radians(xy[a:b, 0]), np.radians(xy[a:b, 1])
        dlon = (np.diff(lon) + np.pi) % (2 * np.pi) - np.pi
        mean = sum(w * _sin_authalic(lat[:-1] + t * np.diff(lat)) for t, w in zip(_NODES, _WEIGHTS))
        edge = np.where(same, dlon * (mean - reference[ring[a:b - 1]]), 0.0)  # less cancellation
        total += np.bincount(ring[a:b - 1], weights=edge, minlength=len(total))
    return np.abs(total) * _RQ2


def _sin_authalic(lat: np.ndarray) -> np.ndarray:
    return np.clip(_q(np.sin(lat)) / _QP, -1.0, 1.0)
