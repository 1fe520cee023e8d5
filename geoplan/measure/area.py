"""Geodesic areas and lengths, whatever the input CRS.

Areas are computed on the WGS 84 ellipsoid (VN-2000 uses the same
ellipsoid), in km2; lengths of borders in metres.

>>> import shapely
>>> round(float(area_km2([shapely.box(105, 10, 105.1, 10.1)])[0]), 1)
121.3
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

from ..errors import InputError

WGS84 = Geod(ellps="WGS84")
METRES_PER_DEGREE = 111_320.0  # along a meridian, and along the equator

# Authalic (equal-area) sphere of WGS 84, for the fast bookkeeping areas.
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = np.sqrt(_E2)


def _q(sin_lat: np.ndarray) -> np.ndarray:
    return (1 - _E2) * (sin_lat / (1 - _E2 * sin_lat**2) - np.log((1 - _E * sin_lat) / (1 + _E * sin_lat)) / (2 * _E))


_QP = _q(np.array(1.0))
_RQ2 = _A * _A * _QP / 2  # squared radius of the authalic sphere


def has_area(geoms) -> np.ndarray:
    """Which geometries can be measured: neither missing nor empty.

    >>> has_area([shapely.box(0, 0, 1, 1), None, shapely.Polygon()]).tolist()
    [True, False, False]
    """
    geoms = np.asarray(geoms, dtype=object)
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def to_lonlat(geoms, crs) -> np.ndarray:
    """Geometries in lon/lat (EPSG:4326) from any CRS.

    >>> to_lonlat([shapely.Point(0, 0)], "EPSG:4326")[0].wkt
    'POINT (0 0)'
    """
    geoms = np.asarray(geoms, dtype=object)
    move = _lonlat_xy(CRS.from_user_input(crs))
    return geoms if move is None else shapely.transform(geoms, move)


def _lonlat_xy(crs: CRS):
    """A function moving (n, 2) coordinates from ``crs`` to lon/lat on WGS 84, with one
    transformer (making one takes tens of milliseconds; pyproj's are not shared across threads);
    None when ``crs`` is lon/lat on WGS 84 already (not VN-2000's lon/lat: its datum is shifted).

    >>> _lonlat_xy(CRS.from_epsg(4326)) is None, _lonlat_xy(CRS.from_epsg(3857))(np.array([[0.0, 0.0]])).tolist()
    (True, [[0.0, 0.0]])
    """
    if crs.is_geographic and crs.datum is not None and crs.datum.name.startswith("World Geodetic System 1984"):
        return None
    transformer = Transformer.from_crs(crs, 4326, always_xy=True)
    return lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))


def ring_table(geoms) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every ring's coordinates: ``xy``, ``offsets`` (ring ``i`` is
    ``xy[offsets[i]:offsets[i + 1]]``, closed), and per ring the geometry it
    belongs to and whether it is a hole.

    >>> xy, offsets, owner, hole = ring_table([shapely.box(0, 0, 3, 3) - shapely.box(1, 1, 2, 2)])
    >>> len(xy), offsets.tolist(), owner.tolist(), hole.tolist()
    (10, [0, 5, 10], [0, 0], [False, True])
    """
    parts, owner = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    rings, part = shapely.get_rings(parts, return_index=True)
    offsets = np.zeros(len(rings) + 1, dtype=np.int64)
    np.cumsum(shapely.get_num_coordinates(rings), out=offsets[1:])
    hole = np.ones(len(rings), dtype=bool)
    if len(rings):
        hole[0] = False
        hole[1:][part[1:] != part[:-1]] = False  # each part's first ring is its shell
    return np.ascontiguousarray(shapely.get_coordinates(rings), dtype=np.float64), offsets, owner[part], hole


def lonlat_array(geoms, crs=None) -> np.ndarray:
    """Geometries (array, GeoSeries or GeoDataFrame) in lon/lat: ``crs`` if given,
    else the one the GeoSeries carries, else taken as lon/lat already, which
    coordinates beyond +-360 / +-90 refute.

    >>> lonlat_array([shapely.Point(500000, 1100000)])
    Traceback (most recent call last):
    geoplan.errors.InputError: coordinates are not longitudes and latitudes (up to 500000, 1100000): give their CRS
    """
    geoms, given = _with_crs(geoms, crs)
    if given is not None:
        return to_lonlat(geoms, given)
    if not len(geoms) or shapely.is_empty(geoms).all() or shapely.is_missing(geoms).all():
        return geoms
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    if not max(abs(x0), abs(x1)) <= 360 or not max(abs(y0), abs(y1)) <= 90:  # NaN fails too
        raise InputError("measure.not_lonlat", x=max(abs(x0), abs(x1)), y=max(abs(y0), abs(y1)))
    return geoms


def _with_crs(geoms, crs) -> tuple[np.ndarray, object]:
    """Geometries (array, GeoSeries or GeoDataFrame, or one geometry) as an array, and their CRS:
    ``crs`` if given, else the one a GeoSeries carries, else None."""
    if hasattr(geoms, "columns") and hasattr(geoms, "geometry"):  # a GeoDataFrame: its active geometry
        geoms = geoms.geometry
    given = crs if crs is not None else getattr(geoms, "crs", None)
    return np.atleast_1d(np.asarray(geoms, dtype=object)), given


GEOMETRY_CHUNK = 4096  # geometries measured at a time: the rings GEOS copies out come and go


def _by_chunks(measure, geoms, crs) -> np.ndarray:
    """``measure`` (lon/lat geometries -> one float each) applied a few thousand geometries at a
    time: on a layer of millions of vertices, the copies of the rings and the reprojected copies
    stay small and their memory is reused.

    >>> float(_by_chunks(shapely.area, [shapely.box(0, 0, 1, 1)] * 5000, "EPSG:4326").sum())
    5000.0
    """
    geoms, crs = _with_crs(geoms, crs)
    lonlat = _to_lonlat_by(crs)
    return in_chunks(lambda some: measure(lonlat(some)), geoms)


def in_chunks(measure, geoms: np.ndarray) -> np.ndarray:
    """``measure`` (geometries -> one float each) applied :data:`GEOMETRY_CHUNK` geometries at a
    time, the results end to end.

    >>> in_chunks(shapely.area, np.array([shapely.box(0, 0, 1, 1)] * 5000)).shape
    (5000,)
    """
    if len(geoms) <= GEOMETRY_CHUNK:
        return measure(geoms)
    return np.concatenate([measure(geoms[i:i + GEOMETRY_CHUNK]) for i in range(0, len(geoms), GEOMETRY_CHUNK)])


def _to_lonlat_by(crs):
    """A function moving geometries from ``crs`` to lon/lat, with one transformer for all the
    chunks of one call (:func:`_lonlat_xy`); ``crs`` None: the geometries are checked to be
    lon/lat already.

    >>> round(_to_lonlat_by("EPSG:3405")(np.array([shapely.Point(500000, 0)]))[0].x, 2)  # (VN-2000: its datum shifted)
    105.0
    """
    if crs is None:
        return lonlat_array
    move = _lonlat_xy(CRS.from_user_input(crs))
    return (lambda geoms: geoms) if move is None else (lambda geoms: shapely.transform(geoms, move))


def area_km2(geoms, crs=None) -> np.ndarray:
    """Geodesic area of each polygon in km2 (holes subtracted), with pyproj's Geod.

    This is the figure geoplan publishes for units. ``geoms``: an array, a
    GeoSeries or a GeoDataFrame; ``crs``: their CRS, by default a GeoSeries'
    own, else lon/lat.

    >>> area_km2([shapely.box(0, 0, 1, 1)]).round(0).tolist()
    [12309.0]
    >>> area_km2(shapely.box(0, 0, 1, 1)).round(0).tolist()
    [12309.0]
    """
    return _by_chunks(_geodesic_km2, geoms, crs)


def _geodesic_km2(geoms: np.ndarray) -> np.ndarray:
    """:func:`area_km2` of lon/lat geometries."""
    xy, offsets, geometry, hole = ring_table(geoms)
    lon, lat = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    ring_area = np.array([abs(WGS84.polygon_area_perimeter(lon[a:b], lat[a:b])[0])
                          for a, b in zip(offsets[:-1], offsets[1:])], dtype=float)
    return geometry_km2(ring_area, geometry, hole, len(geoms))


def geometry_km2(ring_area_m2: np.ndarray, geometry: np.ndarray, hole: np.ndarray, n: int) -> np.ndarray:
    """Each of ``n`` geometries' area in km2 from its rings' (``ring_area_m2``, of the geometry
    ``geometry``; holes subtracted).

    >>> geometry_km2(np.array([4e6, 1e6, 2e6]), np.array([0, 0, 1]), np.array([False, True, False]), 2).tolist()
    [3.0, 2.0]
    """
    return np.bincount(geometry, weights=np.where(hole, -ring_area_m2, ring_area_m2), minlength=n) / 1e6


def ragged_rings(offsets: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Of MultiPolygons as ragged arrays (ring, polygon and geometry offsets, as
    ``shapely.to_ragged_array`` gives them): the geometry of each ring, and which rings are holes.

    >>> ragged_rings((np.array([0, 5, 10, 15]), np.array([0, 2, 3]), np.array([0, 2])))
    (array([0, 0, 0]), array([False,  True, False]))
    """
    rings, polygons, geometries = offsets
    hole = np.ones(len(rings) - 1, dtype=bool)
    hole[polygons[:-1][np.diff(polygons) > 0]] = False  # each polygon's first ring is its shell
    return owners(geometries)[owners(polygons)], hole


def owners(offsets: np.ndarray) -> np.ndarray:
    """The position of the item that holds each element, from the items' offsets (ragged arrays).

    >>> owners(np.array([0, 2, 2, 3])).tolist()
    [0, 0, 2]
    """
    return np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))


def metres_along(lines) -> np.ndarray:
    """Length in metres of lon/lat lines: each segment scaled by the cosine of
    its latitude (exact enough for borders, which are made of short segments).

    >>> metres_along([shapely.LineString([(105, 10), (105, 11)]), shapely.LineString([(105, 60), (106, 60)])]).round(-2).tolist()
    [111300.0, 55700.0]
    """
    return _by_chunks(_metres_along, lines, "EPSG:4326")


def _metres_along(lines: np.ndarray) -> np.ndarray:
    """:func:`metres_along` of a few lines."""
    parts, owner = shapely.get_parts(lines, return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]
    dx, dy = np.diff(xy[:, 0])[same], np.diff(xy[:, 1])[same]
    dx *= np.cos(np.radians((xy[1:, 1] + xy[:-1, 1])[same] / 2))
    return np.bincount(owner[part[1:][same]], weights=np.hypot(dx, dy) * METRES_PER_DEGREE, minlength=len(lines))


CHUNK = 1 << 16  # vertices per step of fast_area_km2: its temporaries stay small and are reused


def fast_area_km2(geoms, crs=None) -> np.ndarray:
    """Area in km2 of many polygons at once, for bookkeeping (old units, repairs).

    Latitudes go to the authalic sphere, which keeps ellipsoidal areas
    exactly; edges are taken as great circles there instead of geodesics,
    which agrees with :func:`area_km2` to about 1e-6 for commune-sized
    polygons. Each ring's area is its spherical excess, summed edge by edge
    (``2 atan2(tan(dlon / 2) (t1 + t2), 1 + t1 t2)``, ``t`` the tangent of
    half the authalic latitude), in chunks of vertices: several times faster
    than one Geod call per polygon.

    >>> float(fast_area_km2([shapely.box(0, 0, 1, 1)])[0].round(0))
    12309.0
    """
    return _by_chunks(_authalic_km2, geoms, crs)


def _authalic_km2(geoms: np.ndarray) -> np.ndarray:
    """:func:`fast_area_km2` of lon/lat geometries."""
    xy, offsets, geometry, hole = ring_table(geoms)
    return geometry_km2(_ring_areas_m2(xy, offsets), geometry, hole, len(geoms))


def _ring_areas_m2(xy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The area in m2 of each closed lon/lat ring ``xy[offsets[i]:offsets[i + 1]]`` (see :func:`fast_area_km2`)."""
    excess = np.zeros(max(len(xy) - 1, 0))  # per edge
    for a in range(0, len(xy) - 1, CHUNK):
        b = min(a + CHUNK + 1, len(xy))
        s = np.clip(_q(np.sin(np.radians(xy[a:b, 1]))) / _QP, -1, 1)  # sine of the authalic latitude
        t = s / (1 + np.sqrt(1 - s * s))  # tangent of half of it
        dlon = np.radians(np.diff(xy[a:b, 0]))
        dlon = (dlon + np.pi) % (2 * np.pi) - np.pi
        excess[a:b - 1] = 2 * np.arctan2(np.tan(dlon / 2) * (t[1:] + t[:-1]), 1 + t[1:] * t[:-1])
    if len(offsets) > 2:
        excess[offsets[1:-1] - 1] = 0  # the step from one ring to the next
    return np.abs(np.add.reduceat(excess, offsets[:-1])) * _RQ2 if len(excess) else np.zeros(len(offsets) - 1)


def ragged_area_km2(xy: np.ndarray, offsets: tuple[np.ndarray, np.ndarray, np.ndarray], crs) -> np.ndarray:
    """:func:`fast_area_km2` of MultiPolygons given as ragged arrays (``shapely.to_ragged_array``'s
    coordinates and ring, polygon and geometry offsets), without making them into geometries: on
    hundreds of thousands of parts, the geometries would cost more memory than their coordinates.
    ``crs`` None: planar coordinates in metres.

    >>> xy, offsets = shapely.to_ragged_array([shapely.MultiPolygon([shapely.box(0, 0, 1, 1)])])[1:]
    >>> float(ragged_area_km2(xy, offsets, "EPSG:4326")[0].round(0))
    12309.0
    """
    rings = offsets[0]
    move = _lonlat_xy(CRS.from_user_input(crs)) if crs is not None else None
    if move is not None:
        xy = move(xy)
    ring_area = _ring_areas_m2(xy, rings) if crs is not None else _planar_ring_areas(xy, rings)
    return geometry_km2(ring_area, *ragged_rings(offsets), len(offsets[2]) - 1)


def _planar_ring_areas(xy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The area of each closed planar ring ``xy[offsets[i]:offsets[i + 1]]`` (the shoelace formula)."""
    cross = xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]
    if len(offsets) > 2:
        cross[offsets[1:-1] - 1] = 0  # the step from one ring to the next
    return np.abs(np.add.reduceat(cross, offsets[:-1])) / 2 if len(cross) else np.zeros(len(offsets) - 1)
