"""Make polygons valid, keeping only their polygonal part: the one repair every step uses.

``make_valid`` may turn an invalid polygon into a collection (a bow tie into
two triangles and a point); what a unit can use is its polygons.

>>> bow = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
>>> valid_polygons([bow])[0].area
0.5
"""

from __future__ import annotations

import numpy as np
import shapely


def is_polygonal(geoms) -> np.ndarray:
    """Mask of non-empty Polygons and MultiPolygons.

    >>> is_polygonal([shapely.box(0, 0, 1, 1), shapely.Point(0, 0), shapely.Polygon(), None]).tolist()
    [True, False, False, False]
    """
    geoms = np.asarray(geoms, dtype=object)
    kind = shapely.get_type_id(geoms)
    return ((kind == 3) | (kind == 6)) & ~shapely.is_empty(geoms)


def polygonal_part(geom) -> shapely.Geometry:
    """The polygons of a geometry (``make_valid`` may return a collection), an empty Polygon when none.

    >>> polygonal_part(shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.Point(5, 5)])).geom_type
    'Polygon'
    """
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def valid_polygons(geoms) -> np.ndarray:
    """Invalid polygons made valid (their polygonal part, None when nothing is left);
    valid ones and other geometries as they are. Returns a new array.

    >>> valid_polygons([shapely.box(0, 0, 1, 1)])[0].area
    1.0
    """
    geoms = np.array(geoms, dtype=object)
    bad = is_polygonal(geoms)
    bad[bad] = ~shapely.is_valid(geoms[bad])
    for k in np.flatnonzero(bad):
        part = polygonal_part(shapely.make_valid(geoms[k]))
        geoms[k] = None if part.is_empty else part
    return geoms


def as_multi(geoms) -> np.ndarray:
    """Polygons as MultiPolygons and lines as MultiLineStrings (one geometry type per layer, as
    GeoPackage and FlatGeobuf want); other geometries as they are.

    >>> [g.geom_type for g in as_multi([shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)]), None])[:2]]
    ['MultiPolygon', 'MultiLineString']
    """
    geoms = np.array(geoms, dtype=object)
    for kind, make in ((3, shapely.multipolygons), (1, shapely.multilinestrings)):
        single = np.flatnonzero(shapely.get_type_id(geoms) == kind)
        if len(single):
            geoms[single] = make(geoms[single], indices=np.arange(len(single)))
    return geoms


ONE_PART = b"\x01\x06\x00\x00\x00\x01\x00\x00\x00"  # WKB (little-endian, 2D): a MultiPolygon of 1 part follows


def single_parts_wkb(wkb) -> np.ndarray:
    """MultiPolygons of one part as Polygons (the inverse of :func:`as_multi` for them), in WKB,
    without reading the geometries: the WKB of a MultiPolygon of one part (little-endian and 2D,
    as geoarrow and GEOS write them) is a header of 9 bytes (byte order, type 6, one part), then
    its Polygon's WKB. Other WKB as it is.

    >>> wkb = shapely.to_wkb([shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]), shapely.box(0, 0, 1, 1)])
    >>> [w == shapely.to_wkb(shapely.box(0, 0, 1, 1)) for w in single_parts_wkb(wkb)]
    [True, True]
    """
    return np.array([w[9:] if w[:9] == ONE_PART else w for w in wkb], dtype=object)
