"""Coordinates a layer's CRS can stand for: finite, lon/lat where the CRS says lon/lat,
within (or near) the CRS's area of use, and mapped to lon/lat and back unchanged.

A wrong CRS does not fail loudly by itself: northings of 1e8 m in UTM 48N
come out of the inverse projection as a plausible point near lon -75, and
coordinates of 1e15 in Web Mercator as latitude 90. Each feature's bounding
box is tested instead, corner by corner, and the first feature that fails
is named:

- every vertex finite (no NaN, no infinity);
- lon/lat CRS: longitudes within -180..180 and latitudes within -90..90
  (projected metres in a layer that says EPSG:4326 fail here);
- projected CRS: the corner goes to lon/lat and back to within a millimetre
  per kilometre (:data:`ROUND_TRIP`), which fails outside the projection's domain;
- every CRS: the corner lies within the CRS's area of use (pyproj's
  ``area_of_use``) widened by :data:`MARGIN_DEG` degrees (about 2,000 km):
  a national layer of Vietnam in UTM zone 48N reaches the Spratly Islands,
  10 degrees east of the zone, and is measured correctly there.

>>> import shapely
>>> check_coordinates([shapely.box(105, 10, 106, 11)], "EPSG:4326", "old.gpkg")
>>> check_coordinates([shapely.box(5e5, 1e8, 6e5, 1.1e8)], "EPSG:32648", "far.gpkg")
Traceback (most recent call last):
geoplan.errors.InputError: far.gpkg: feature 0 has coordinates (500,000.00, 100,000,000.00) that WGS 84 / UTM zone 48N (EPSG:32648) cannot stand for: they do not map to a place on the Earth and back; the layer's CRS is wrong, or its coordinates are
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from ..errors import InputError

MARGIN_DEG = 18.0  # how far beyond its area of use a CRS is still trusted (about 2,000 km)
ROUND_TRIP = 1e-6  # relative tolerance of the lon/lat round trip (1 mm per km of coordinate)
LONLAT_SLACK = 1e-7  # degrees beyond +-180 / +-90 still taken for rounding


def crs_label(crs: CRS) -> str:
    """A CRS as people recognise it: its name and, when it has one, its EPSG code.

    >>> crs_label(CRS.from_epsg(3857))
    'WGS 84 / Pseudo-Mercator (EPSG:3857)'
    """
    code = crs.to_epsg(min_confidence=90)
    return f"{crs.name} (EPSG:{code})" if code else crs.name


def check_coordinates(geoms, crs, label: str, features=None) -> None:
    """Raise InputError naming ``label`` and the first feature whose coordinates ``crs``
    cannot stand for (see the module's rules); features without geometry are skipped.
    ``features`` names the features in messages (a layer's index, its FIDs); by default
    their positions.

    >>> check_coordinates([shapely.box(500000, 1100000, 500100, 1100100)], "EPSG:4326", "old.gpkg")
    Traceback (most recent call last):
    geoplan.errors.InputError: old.gpkg: feature 0 has coordinates (500,000.00, 1,100,000.00) that are not longitudes and latitudes, but its CRS WGS 84 (EPSG:4326) says they are; the layer's CRS is wrong (set the right one, e.g. with ogr2ogr -a_srs)
    """
    geoms = np.asarray(geoms, dtype=object)
    names = np.arange(len(geoms)) if features is None else np.asarray(features)
    try:
        _finite(geoms, label)
        _within(geoms, CRS.from_user_input(crs), label)
    except InputError as error:  # positions -> the features' own names
        values = error.message.values
        if "feature" in values:
            name = names[values["feature"]]
            values["feature"] = name.item() if hasattr(name, "item") else name
        raise


def _within(geoms: np.ndarray, crs: CRS, label: str) -> None:
    """Lon/lat, round trip and area of use (see the module's rules), by bounding-box corner."""
    bounds = shapely.bounds(geoms)
    rows = np.flatnonzero(np.isfinite(bounds).all(axis=1))
    if not len(rows):
        return
    corners = bounds[rows][:, [[0, 1], [2, 3], [0, 3], [2, 1]]].reshape(-1, 2)  # 4 corners per feature
    owner = np.repeat(rows, 4)
    if crs.is_geographic:
        _lonlat(corners, owner, crs, label)
        lon, lat = corners[:, 0], corners[:, 1]
    else:
        lon, lat = _round_trip(corners, owner, crs, label)
    _area_of_use(lon, lat, corners, owner, crs, label)


def _finite(geoms: np.ndarray, label: str) -> None:
    """Every vertex finite. shapely's bounds skip NaN, but a length through a NaN or infinite
    vertex is not finite (points have no length: their bounds are their coordinates); four
    times faster than testing every vertex of a national layer."""
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(shapely.length(geoms)) & np.isfinite(shapely.bounds(geoms)).all(axis=1)
    points = np.flatnonzero(np.isin(shapely.get_type_id(geoms), (0, 4)))  # Point, MultiPoint: vertex by vertex
    if len(points):
        xy, owner = shapely.get_coordinates(geoms[points], return_index=True)
        finite[points[np.unique(owner[~np.isfinite(xy).all(axis=1)])]] = False
    bad = np.flatnonzero(present & ~finite)
    if len(bad):
        raise InputError("layer.coords_not_finite", path=label, feature=int(bad[0]))


def _lonlat(corners: np.ndarray, owner: np.ndarray, crs: CRS, label: str) -> None:
    """Longitudes within -180..180 and latitudes within -90..90."""
    bad = (np.abs(corners[:, 0]) > 180 + LONLAT_SLACK) | (np.abs(corners[:, 1]) > 90 + LONLAT_SLACK)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("layer.coords_not_lonlat", path=label, feature=int(owner[i]), x=float(corners[i, 0]),
                         y=float(corners[i, 1]), crs=crs_label(crs))


def _round_trip(corners: np.ndarray, owner: np.ndarray, crs: CRS, label: str) -> tuple[np.ndarray, np.ndarray]:
    """The corners in lon/lat, refusing those that do not come back to where they were."""
    try:
        inverse = Transformer.from_crs(crs, 4326, always_xy=True)
        forward = Transformer.from_crs(4326, crs, always_xy=True)
        with np.errstate(all="ignore"):
            lon, lat = (np.asarray(v, dtype=float) for v in inverse.transform(corners[:, 0], corners[:, 1],
                                                                                  errcheck=False))
            x, y = (np.asarray(v, dtype=float) for v in forward.transform(lon, lat, errcheck=False))
    except (CRSError, ProjError) as error:
        raise InputError("layer.crs_unusable", path=label, crs=crs_label(crs), reason=str(error).splitlines()[0]) \
            from None
    tolerance = ROUND_TRIP * np.maximum(np.abs(corners), 1000.0)
    with np.errstate(invalid="ignore"):
        bad = ~((np.abs(x - corners[:, 0]) <= tolerance[:, 0]) & (np.abs(y - corners[:, 1]) <= tolerance[:, 1])
                & np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("layer.coords_off_earth", path=label, feature=int(owner[i]), x=float(corners[i, 0]),
                         y=float(corners[i, 1]), crs=crs_label(crs))
    return lon, lat


def _area_of_use(lon, lat, corners, owner, crs: CRS, label: str) -> None:
    """Every corner within the CRS's area of use widened by :data:`MARGIN_DEG` (none known: any place)."""
    area = crs.area_of_use
    if area is None:
        return
    west, south, east, north = area.bounds
    width = (east - west) % 360 or 360.0  # an area may cross the antimeridian (west > east)
    beyond = np.minimum((lon - west) % 360, 360.0)
    inside_lon = (width + 2 * MARGIN_DEG >= 360) | (beyond <= width + MARGIN_DEG) | (beyond >= 360 - MARGIN_DEG)
    inside = inside_lon & (lat >= south - MARGIN_DEG) & (lat <= north + MARGIN_DEG)
    if inside.all():
        return
    i = int(np.flatnonzero(~inside)[0])
    raise InputError("layer.coords_outside_crs", path=label, feature=int(owner[i]), x=float(corners[i, 0]),
                     y=float(corners[i, 1]), lon=float(lon[i]), lat=float(lat[i]), crs=crs_label(crs),
                     area=area.name, west=west, east=east, south=south, north=north)
