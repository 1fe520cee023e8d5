"""The Python face of the compiled arrangement (``_arrange.c``): rings in, ragged arrays out.

The arrangement nodes every ring of every polygon at once by snap rounding
on a grid (:func:`grid_unit`), builds the faces of the planar graph, finds
the groups covering each face and assigns every face by the rules described
in ``_arrange.c`` and :mod:`geoplan.engine.dissolve`.

>>> out = arrange(np.array([shapely.box(0, 0, 1, 1)]), np.array([0]), 1)
>>> multipolygons(out, "units")[0].area
1.0

:func:`overlay` arranges the polygons of two layers at once and returns the
piece of each pair of polygons (one of each layer) that meet, and what lies
in one layer only.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import shapely

from ..errors import GeoplanError, InputError
from ..measure.area import owners, ring_table
from . import _arrange

GRID_SPAN = 2.0**40  # grid units across the layer's extent: about a micrometre on a national layer
WKB_BATCH = 2**30  # bytes of WKB written at once (Arrow's binary arrays hold 2**31 - 1)


class ArrangementError(GeoplanError):
    """The arrangement found itself inconsistent on a layer: a defect of geoplan, which its
    message asks the user to report (a GeoplanError, so that it ends in one line)."""


class CapacityError(ArrangementError):
    """The layer needs more nodes than the arrangement's 32-bit ids hold (over 2^29, about 200 times
    the national commune layer): its message says to split it into parts."""


def grid_unit(geoms: np.ndarray) -> float:
    """The arrangement's grid unit for these polygons: the power of two that
    divides their extent into about 2^40 steps (exact doubles, and products
    that stay within 128-bit integers), but no finer than a double can tell
    apart at their distance from the origin.

    >>> grid_unit(np.array([shapely.box(100, 8, 110, 24)])) == 2.0**-36
    True
    """
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    extent, farthest = max(x1 - x0, y1 - y0), max(abs(x0), abs(y0), abs(x1), abs(y1))
    if not extent > 0:
        return 1.0
    return 2.0 ** max(math.ceil(math.log2(extent / GRID_SPAN)), math.ceil(math.log2(farthest / 2.0**50)) if farthest else -1074)


def multipolygons(out: dict, prefix: str, single_as_polygon: bool = False) -> np.ndarray:
    """The arrangement's ragged arrays as shapely MultiPolygons (with
    ``single_as_polygon``, a Polygon where there is one part)."""
    xy, offsets = ragged(out, prefix)
    if single_as_polygon and (np.diff(offsets[2]) == 1).all():  # Polygons at once: no MultiPolygon made and dropped
        return shapely.from_ragged_array(shapely.GeometryType.POLYGON, xy, offsets[:2])
    geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, xy, offsets)
    if single_as_polygon:
        single = np.diff(offsets[2]) == 1
        geoms[single] = shapely.get_geometry(geoms[single], 0)
    return geoms


def multipolygons_wkb(out: dict, prefix: str) -> np.ndarray:
    """The arrangement's rings named ``prefix`` as MultiPolygons in WKB (an object array of
    bytes), written straight from its ragged arrays by geoarrow's C library: no shapely
    geometry is made (making them and writing their WKB cost ten times more). Written in
    batches of at most ``WKB_BATCH`` bytes: Arrow's binary arrays hold 2 GB.

    >>> wkb = multipolygons_wkb(arrange(np.array([shapely.box(0, 0, 1, 1)]), np.array([0]), 1), "units")
    >>> shapely.from_wkb(wkb[0]).wkt
    'MULTIPOLYGON (((0 0, 1 0, 1 1, 0 1, 0 0)))'
    """
    import geoarrow.pyarrow as ga
    import pyarrow as pa

    xy, offsets = ragged(out, prefix)
    if len(xy) >= 2**31:  # (past the 32-bit offsets of Arrow's lists)
        return shapely.to_wkb(multipolygons(out, prefix))
    nested = pa.FixedSizeListArray.from_arrays(pa.array(xy.reshape(-1)), 2)
    for level in offsets:
        nested = pa.ListArray.from_arrays(pa.array(level.astype(np.int32)), nested)
    geoms = ga.multipolygon().with_coord_type(ga.CoordType.INTERLEAVED).wrap_array(nested)
    stops = _batches(wkb_sizes(offsets), WKB_BATCH)
    parts = [ga.as_wkb(geoms.slice(a, b - a)).storage.to_numpy(zero_copy_only=False) for a, b in itertools.pairwise(stops)]
    return np.concatenate(parts) if len(parts) != 1 else parts[0]


def wkb_sizes(offsets: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """The size in bytes of each MultiPolygon's WKB (2D), from its ring, polygon and geometry
    offsets: a header of 9 bytes per geometry and per polygon, 4 per ring, 16 per vertex.

    >>> multi = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1) - shapely.box(2.2, 0.2, 2.5, 0.5)])
    >>> offsets = shapely.to_ragged_array([multi])[2]
    >>> wkb_sizes(offsets).tolist() == [len(shapely.to_wkb(multi))]
    True
    """
    rings, polygons, geometries = offsets
    per_polygon = 9 + np.bincount(owners(polygons), weights=4 + 16 * np.diff(rings), minlength=len(polygons) - 1)
    return (9 + np.bincount(owners(geometries), weights=per_polygon, minlength=len(geometries) - 1)).astype(np.int64)


def _batches(sizes: np.ndarray, limit: int) -> list[int]:
    """Bounds of runs of ``sizes`` whose sums stay within ``limit`` (a run holds one item at least).

    >>> _batches(np.array([3, 3, 3, 5]), 6), _batches(np.array([], dtype=int), 6)
    ([0, 2, 3, 4], [0, 0])
    """
    if sizes.sum() <= limit:
        return [0, len(sizes)]
    stops, total = [0], 0
    for i, size in enumerate(sizes.tolist()):
        if total + size > limit and i > stops[-1]:
            stops.append(i)
            total = 0
        total += size
    return stops + [len(sizes)]


def ragged(out: dict, prefix: str) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The arrangement's rings named ``prefix`` as ``shapely.from_ragged_array`` takes MultiPolygons:
    coordinates, and ring, polygon and geometry offsets.

    >>> xy, (rings, polygons, geometries) = ragged(arrange(np.array([shapely.box(0, 0, 1, 1)]), np.array([0]), 1), "units")
    >>> len(xy), rings.tolist(), polygons.tolist(), geometries.tolist()
    (5, [0, 5], [0, 1], [0, 1])
    """
    xy = np.frombuffer(out[prefix + "_xy"], dtype=np.float64).reshape(-1, 2)
    return xy, tuple(np.frombuffer(out[f"{prefix}_{k}_offsets"], dtype=np.int64) for k in ("ring", "polygon", "geometry"))


def int32(out: dict, key: str) -> np.ndarray:
    return np.frombuffer(out[key], dtype=np.int32)


def ring_arrays(geoms, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every ring's coordinates, as :func:`geoplan.measure.area.ring_table` gives them (``xy``, ring
    ``offsets``, the geometry of each ring, hole flags), built a few thousand geometries at a time:
    GEOS copies each ring it hands out, and on a whole layer those copies held more memory than the
    arrangement itself (200 MB on ten national layers); by chunks they come and go.

    >>> xy, offsets, owner, hole = ring_arrays([shapely.box(0, 0, 3, 3) - shapely.box(1, 1, 2, 2)])
    >>> len(xy), offsets.tolist(), owner.tolist(), hole.tolist()
    (10, [0, 5, 10], [0, 0], [False, True])
    """
    geoms = np.asarray(geoms, dtype=object)
    xy = np.empty((int(shapely.get_num_coordinates(geoms).sum()), 2), dtype=np.float64)
    offsets, ring_owners, holes, at = [np.zeros(1, dtype=np.int64)], [], [], 0
    for start in range(0, len(geoms), chunk):
        cxy, coff, cown, chole = ring_table(geoms[start:start + chunk])
        xy[at:at + len(cxy)] = cxy[:, :2]
        offsets.append(coff[1:] + at)
        ring_owners.append(cown + start)
        holes.append(chole)
        at += len(cxy)
    if at != len(xy):  # (get_num_coordinates and the rings disagree only for odd geometries)
        xy = xy[:at].copy()
    empty = np.zeros(0, dtype=np.int64)
    return (xy, np.concatenate(offsets), np.concatenate(ring_owners) if ring_owners else empty,
            np.concatenate(holes) if holes else np.zeros(0, dtype=bool))


def _finite_rings(geoms) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`ring_arrays` of ``geoms``, refused (InputError) when a coordinate is not a finite number."""
    xy, offsets, owner, hole = ring_arrays(geoms)
    if not np.isfinite(xy).all():
        raise InputError("dissolve.not_finite", n=int((~np.isfinite(xy)).any(axis=1).sum()))
    return xy, offsets, owner, hole


def _consistent(out: dict) -> dict:
    """The engine's output, or ArrangementError when its self-check found the planar graph inconsistent."""
    stats = out["stats"]
    if stats["winding_mismatches"] or stats["bad_components"] or stats["bad_rings"]:
        raise ArrangementError("dissolve.inconsistent", mismatches=stats["winding_mismatches"],
                               components=stats["bad_components"], rings=stats["bad_rings"])
    return out


def arrange(geoms: np.ndarray, groups: np.ndarray, n_groups: int, geographic: bool = False) -> dict:
    """Run the compiled arrangement on polygons with integer groups in ``[0, n_groups)``.

    Returns its dict (ragged arrays of units and pieces, piece kinds, rules,
    groups, source flags, stats). The arrangement releases the GIL while it
    works, so a caller may run other work beside it in a thread. Raises
    InputError for coordinates that are not finite, CapacityError for a layer
    past 2^29 nodes, ArrangementError if the arrangement finds itself
    inconsistent (a bug to report).

    >>> out = arrange(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]), np.array([0, 0]), 1)
    >>> multipolygons(out, "units")[0].area, out["stats"]["faces"]  # the shared edge cancels: one face and the outside
    (2.0, 2)
    """
    xy, offsets, owner, hole = _finite_rings(geoms)
    try:
        out = _arrange.dissolve(xy, offsets, owner.astype(np.int64), hole.astype(np.uint8),
                                np.asarray(groups, dtype=np.int64), int(n_groups),
                                grid_unit(geoms) if len(geoms) else 1.0, bool(geographic))
    except _arrange.LimitError:
        raise CapacityError("dissolve.too_large", polygons=len(geoms)) from None
    return _consistent(out)


def overlay(a_geoms, b_geoms, geographic: bool = False, overlap_a: str = "each", overlap_b: str = "each",
            geometry: bool | str = True, grid: float | None = None) -> pd.DataFrame:
    """The overlay of two polygon layers: one row per pair (``a``, ``b``) of polygons, one of
    each layer, whose interiors meet, with the piece they share (``geometry``, a MultiPolygon)
    and its planar ``area`` (squared CRS units); and one row per polygon for what of it lies in
    no polygon of the other layer (``b`` or ``a`` -1). What neither covers is left out.

    All rings of both layers are noded at once (the arrangement's snap rounding: vertices move
    by at most half a grid step, :func:`grid_unit`), so the pieces of one polygon add up to it
    and share their edges vertex for vertex. Where polygons of one layer overlap, each keeps
    its pieces (``overlap_a`` / ``overlap_b`` ``"each"``, as ``geopandas.overlay`` does), or the
    lowest index takes the overlap (``"first"``); ``attrs["overlap"]`` gives the area covered
    twice or more, per layer. With ``geographic`` (lon/lat degrees), each piece's area on
    WGS 84 is added (``area_km2``), its edges taken straight in longitude and latitude as the
    pieces themselves are (:mod:`geoplan.measure.straight`: a polygon's pieces add up to it),
    measured on the arrangement's arrays. With ``geometry="wkb"``, the pieces come as WKB
    (:func:`multipolygons_wkb`: for writing, much faster than geometries); without ``geometry``,
    only the areas (faster: no rings are traced). ``grid``: the grid unit (default :func:`grid_unit` of both layers; give a coarser
    one, a power of two, for overlays of parts of a layer to snap alike). Rows are sorted by ``a``, then ``b`` (-1 first). Raises like :func:`arrange`.

    >>> a = np.array([shapely.box(0, 0, 2, 1)])
    >>> b = np.array([shapely.box(1, 0, 3, 1), shapely.box(0, 0, 1, 1)])
    >>> overlay(a, b)[["a", "b", "area"]].values.tolist()
    [[-1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]
    """
    if {overlap_a, overlap_b} - {"each", "first"}:
        raise ValueError("overlap_a, overlap_b: 'each' or 'first'")
    if geometry not in (True, False, "wkb"):
        raise ValueError("geometry: True, False or 'wkb'")
    a_geoms = np.asarray(a_geoms, dtype=object)
    b_geoms = np.asarray(b_geoms, dtype=object)
    both = np.concatenate([a_geoms, b_geoms])
    xy, offsets, owner, hole = _finite_rings(both)
    flags = (overlap_a == "each") | (overlap_b == "each") << 1 | (not geometry) << 2
    try:
        out = _arrange.overlay(xy, offsets, owner.astype(np.int64), hole.astype(np.uint8),
                               len(a_geoms), len(b_geoms), grid or (grid_unit(both) if len(both) else 1.0), flags)
    except _arrange.LimitError:
        raise CapacityError("dissolve.too_large", polygons=len(both)) from None
    stats = _consistent(out)["stats"]
    frame = pd.DataFrame({"a": int32(out, "piece_a").astype(np.int64), "b": int32(out, "piece_b").astype(np.int64)})
    if geometry:
        frame["geometry"] = multipolygons_wkb(out, "pieces") if geometry == "wkb" else multipolygons(out, "pieces")
    frame["area"] = np.frombuffer(out["piece_area"], dtype=np.float64)
    if geographic and geometry:
        from ..measure.straight import ragged_straight_area_km2
        frame["area_km2"] = ragged_straight_area_km2(*ragged(out, "pieces"))
    frame.attrs["overlap"] = {"a": stats["overlap_area_a"], "b": stats["overlap_area_b"]}
    frame.attrs["stats"] = stats
    return frame
