"""Lines and polygons cut at the units' boundaries: one piece per (feature, unit) they share,
and one piece for what lies in no unit, so that every feature's pieces add up to it.

The fast path comes first: a feature lying in cells of the point grid that belong wholly to one
unit goes to it whole, without any geometry operation (most buildings, parcels and short roads);
where the grid serves (features far smaller than units), so does, at once, one that the first unit
it touches contains (prepared predicates). The other polygons are cut all at once by the
arrangement's overlay with the units whose boxes they meet (:func:`overlay_pairs`: all rings noded
together; each feature's pieces, the part in no unit included, add up to it as snapped, and are
measured on the arrangement's arrays; a feature it leaves in one piece keeps its own geometry,
whole), when that costs less than intersecting each pair (see :func:`worth_overlay`). Lines, and
polygons otherwise, go whole to the first unit they touch when it contains them, else are
intersected with each unit they touch (:func:`intersect_pairs`, run in threads: GEOS releases the
GIL). Where units overlap, the first in the layer's order takes the overlap, as a point there
would: the overlay does so itself, pairs intersected one by one take the units without their
overlaps (:meth:`.Units.exclusive`, made only then). The pieces of intersected features are then
checked against it by measure: what lies in no unit becomes a piece of its own (``unit`` -1).

>>> import shapely
>>> units = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
>>> pieces = cut(np.array([shapely.box(0.5, 0.2, 2.5, 0.4)]), units, None, threads=1)
>>> pieces.unit.tolist(), np.round(shapely.area(pieces.shapes()), 3).tolist()
([0, 1, -1], [0.1, 0.2, 0.1])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..engine.arrange import ArrangementError
from ..engine.halves import in_layers, overlay_halves, vertices
from ..measure.area import has_area
from ..threads import in_threads
from .grid import OUTSIDE, PointGrid

TOLERANCE = 1e-9  # of a feature's measure: pieces adding up to it within this need no repair
OVERLAY_COST = 2.0  # the overlay's work per vertex, in GEOS intersection's work per vertex of a pair


@dataclass
class Pieces:
    """Pieces of the features of a chunk: the feature (its position), the unit (-1: none), the
    geometry (None for the pieces the overlay made: see ``wkb``), its area in km2 where the overlay
    measured it (edges straight in lon/lat, :mod:`geoplan.measure.straight`; NaN for the others),
    and the WKB of the pieces the overlay made (MultiPolygons, written from its arrays; None for
    the others); sorted by feature, then unit (the outside piece last)."""

    feature: np.ndarray
    unit: np.ndarray
    geoms: np.ndarray
    area_km2: np.ndarray
    wkb: np.ndarray

    def shapes(self) -> np.ndarray:
        """Every piece's geometry, those the overlay made read from their WKB.

        >>> made = shapely.to_wkb(shapely.MultiPolygon([shapely.box(1, 0, 3, 1)]))
        >>> pieces = Pieces(np.array([0, 0]), np.array([0, 1]), np.array([shapely.box(0, 0, 1, 1), None]),
        ...                 np.array([np.nan, 2.0]), np.array([None, made]))
        >>> [(g.geom_type, g.area) for g in pieces.shapes()]
        [('Polygon', 1.0), ('MultiPolygon', 2.0)]
        """
        made = self.wkb != None  # (element-wise)
        shapes = self.geoms.copy()
        shapes[made] = shapely.from_wkb(self.wkb[made])
        return shapes


def cut(geoms: np.ndarray, units: np.ndarray, grid: PointGrid | None, threads: int | None = None,
        exclusive=None) -> Pieces:
    """Cut ``geoms`` (valid lines or polygons in lon/lat; None or empty for missing ones, which
    get no piece) at the boundaries of ``units`` (prepared polygons); ``grid`` (or None) places
    small features at once. ``exclusive``: a function giving the units without their overlaps
    (prepared), for the pairs intersected one by one; None when the units do not overlap.

    >>> cut(np.array([shapely.box(0.1, 0.1, 0.2, 0.2)]), np.array([shapely.box(0, 0, 1, 1)]), None, 1).unit.tolist()
    [0]
    """
    geoms = np.asarray(geoms, dtype=object)
    present = np.flatnonzero(has_area(geoms))
    whole = np.full(len(geoms), OUTSIDE, dtype=np.int64)
    if grid is not None and len(present):
        whole[present] = grid.box_unit(shapely.bounds(geoms[present]))
    todo = present[whole[present] < 0]
    feature, unit = _boxes_meeting(geoms, units, todo)
    tested = grid is not None  # features far smaller than units: tested at once, most lie in one whole
    if tested:
        feature, unit = _unless_whole(geoms, units, feature, unit, whole, threads)
    by_overlay = np.zeros(len(feature), dtype=bool)
    polygons = shapely.get_dimensions(geoms[feature]) == 2
    if polygons.any() and worth_overlay(geoms, units, feature[polygons], unit[polygons]):
        by_overlay = polygons  # (pairs that only meet by their boxes give no piece)
    try:
        cut_f, cut_u, cut_w, cut_a = overlay_pairs(geoms, units, feature[by_overlay], unit[by_overlay], threads)
    except ArrangementError:  # (past its limits, or a defect of it: GEOS pair by pair instead)
        by_overlay[:] = False
        cut_f, cut_u, cut_w, cut_a = overlay_pairs(geoms, units, feature[:0], unit[:0])
    cut_p, cut_w, cut_a = _whole_when_one(geoms, cut_f, cut_w, cut_a)
    by_overlay &= np.isin(feature, cut_f)  # (a feature thinner than the grid has no piece: pair by pair)
    feature, unit = feature[~by_overlay], unit[~by_overlay]
    if not tested:
        feature, unit = _unless_whole(geoms, units, feature, unit, whole, threads)
    if len(feature) and exclusive is not None:
        units = exclusive()
    pieces = intersect_pairs(geoms, units, feature, unit, threads)
    done = np.flatnonzero(whole >= 0)
    area = np.concatenate([np.full(len(done) + len(pieces), np.nan), cut_a])
    wkb = np.concatenate([np.full(len(done) + len(pieces), None, dtype=object), cut_w])
    feature = np.concatenate([done, feature, cut_f])
    unit = np.concatenate([whole[done], unit, cut_u])
    pieces = np.concatenate([geoms[done], pieces, cut_p])
    return _settle(geoms, present, Pieces(feature, unit, pieces, area, wkb), threads, complete=np.unique(cut_f))


def worth_overlay(geoms: np.ndarray, units: np.ndarray, feature: np.ndarray, unit: np.ndarray) -> bool:
    """Whether cutting the pairs (``feature``, ``unit``) by one overlay costs less than a GEOS
    intersection per pair: each intersection nodes both polygons' vertices, the overlay each
    vertex once (at ``OVERLAY_COST`` times the work). On the national communes (11,163 old by
    3,321 new, 39,288 pairs) the pairs hold ten times the vertices.

    >>> worth_overlay(np.array([shapely.box(0, 0, 2, 1)]), np.array([shapely.box(0, 0, 1, 1)]), np.array([0]), np.array([0]))
    False
    """
    pairs = vertices(geoms[feature]).sum() + vertices(units[unit]).sum()
    once = vertices(geoms[np.unique(feature)]).sum() + vertices(units[np.unique(unit)]).sum()
    return bool(pairs > OVERLAY_COST * once)


def overlay_pairs(geoms: np.ndarray, units: np.ndarray, feature: np.ndarray, unit: np.ndarray,
                  threads: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pieces of the polygons ``geoms[feature]`` in the units ``units[unit]`` (the pairs whose
    boxes meet; where units overlap, the first takes the overlap), by the arrangement's overlay
    (:func:`geoplan.engine.arrange.overlay`; from 2,000 features on in two threads,
    :func:`geoplan.engine.halves.overlay_halves`), and the part of each in none of them (unit -1):
    features, units, pieces (MultiPolygons in WKB), their areas in km2.

    >>> f, u, p, a = overlay_pairs(np.array([shapely.box(0.5, 0, 2.5, 1)]),
    ...                            np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]), np.array([0, 0]), np.array([0, 1]))
    >>> f.tolist(), u.tolist(), shapely.area(shapely.from_wkb(p)).tolist()
    ([0, 0, 0], [-1, 0, 1], [0.5, 0.5, 1.0])
    """
    if not len(feature):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), np.zeros(0)
    parts = overlay_halves(geoms, units, feature, unit, threads, finish=_pieces, geographic=True, overlap_a="each",
                           overlap_b="first", geometry="wkb")
    return tuple(np.concatenate([part[k] for part in parts]) for k in range(4))


def _pieces(features: np.ndarray, units_used: np.ndarray, frame) -> tuple:
    """The pieces of an overlay of ``features`` with ``units_used`` (see :func:`overlay_pairs`)."""
    feature, unit = in_layers(features, units_used, frame)  # (unit -1: OUTSIDE)
    mine = feature >= 0
    return feature[mine], unit[mine], frame["geometry"].to_numpy()[mine], frame["area_km2"].to_numpy()[mine]


def _boxes_meeting(geoms: np.ndarray, units: np.ndarray, todo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(feature, unit) pairs of ``todo`` whose bounding boxes meet, by feature then unit."""
    if not len(todo):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pairs = shapely.STRtree(units).query(geoms[todo])  # bounding boxes only: units stay prepared
    order = np.lexsort((pairs[1], pairs[0]))
    return todo[pairs[0][order]], pairs[1][order]


def _whole_when_one(geoms: np.ndarray, feature: np.ndarray, wkb: np.ndarray,
                    area: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The overlay's pieces (geometries, WKB, areas: see :class:`Pieces`), but a feature it leaves
    in one piece (in one unit, or in none) keeps its own geometry, not measured yet: it lies there
    whole (but for parts thinner than the grid, which the overlay drops as it snaps).

    >>> own = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 3, 1)])
    >>> p, w, a = _whole_when_one(own, np.array([0, 1, 1]), np.array([b"piece0", b"piece1", b"piece2"]), np.ones(3))
    >>> p[0] is own[0], p[1:].tolist(), w.tolist(), a.tolist()
    (True, [None, None], [None, b'piece1', b'piece2'], [nan, 1.0, 1.0])
    """
    single = np.bincount(feature, minlength=len(geoms))[feature] == 1
    pieces, wkb, area = np.full(len(feature), None, dtype=object), np.array(wkb, dtype=object), area.copy()
    pieces[single], wkb[single], area[single] = geoms[feature[single]], None, np.nan
    return pieces, wkb, area


def _contained(geoms, units, feature, unit) -> tuple[np.ndarray, np.ndarray]:
    """Features that the first unit they touch contains (the pairs by feature, then unit): they
    lie in it whole, and where later units overlap it, it takes the overlap; (features, their unit).

    >>> units = np.array([shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)])
    >>> _contained(np.array([shapely.box(1.2, 0.2, 1.8, 0.8)]), units, np.array([0, 0]), np.array([0, 1]))
    (array([0]), array([0]))
    """
    first = np.r_[True, feature[1:] != feature[:-1]] if len(feature) else np.zeros(0, dtype=bool)
    inside = np.zeros(len(feature), dtype=bool)
    inside[first] = shapely.contains(units[unit[first]], geoms[feature[first]])
    return feature[inside], unit[inside]


def _touching(geoms: np.ndarray, units: np.ndarray, feature: np.ndarray, unit: np.ndarray,
              threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Of the pairs (feature, unit), those that touch, by feature then unit (tested in threads,
    each unit in one of them: its prepared index is built on first use)."""
    by_unit = np.argsort(unit, kind="stable")
    feature, unit = feature[by_unit], unit[by_unit]
    hit = in_threads(shapely.intersects, units[unit], geoms[feature], threads=threads, together=unit)
    order = np.lexsort((unit[hit], feature[hit]))
    return feature[hit][order], unit[hit][order]


def _unless_whole(geoms, units, feature, unit, whole: np.ndarray, threads) -> tuple[np.ndarray, np.ndarray]:
    """Of the pairs whose boxes meet (by feature, then unit), those that touch; but a feature that
    the first unit it touches contains goes to it whole (its unit set in ``whole``), with no pair."""
    feature, unit = _touching(geoms, units, feature, unit, threads)
    inside, into = _contained(geoms, units, feature, unit)
    whole[inside] = into
    keep = ~np.isin(feature, inside)
    return feature[keep], unit[keep]


def intersect_pairs(geoms: np.ndarray, units: np.ndarray, feature: np.ndarray, unit: np.ndarray,
                    threads: int | None = None) -> np.ndarray:
    """The part of each feature in each unit of the pairs, of the feature's own dimension
    (polygons stay polygons, lines lines; empty where they only touch).

    >>> intersect_pairs(np.array([shapely.LineString([(0, 0), (2, 0)])]), np.array([shapely.box(0, -1, 1, 1)]),
    ...                 np.array([0]), np.array([0]), 1)[0].wkt
    'LINESTRING (0 0, 1 0)'
    """
    parts = in_threads(shapely.intersection, geoms[feature], units[unit], threads=threads)
    return of_dimension(parts, shapely.get_dimensions(geoms[feature]))


def of_dimension(geoms: np.ndarray, dimension: np.ndarray) -> np.ndarray:
    """Each geometry's parts of the given dimension (1 lines, 2 polygons), as one geometry;
    an empty one where it has none.

    >>> mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.LineString([(1, 1), (2, 2)])])
    >>> [g.geom_type for g in of_dimension(np.array([mixed, mixed]), np.array([2, 1]))]
    ['Polygon', 'LineString']
    """
    geoms = np.array(geoms, dtype=object)
    dimension = np.broadcast_to(dimension, len(geoms))
    mixed = np.flatnonzero((shapely.get_type_id(geoms) == 7) | (shapely.get_dimensions(geoms) != dimension))
    if len(mixed):
        parts, owner = shapely.get_parts(geoms[mixed], return_index=True)
        keep = shapely.get_dimensions(parts) == dimension[mixed][owner]
        kept = [shapely.union_all(parts[keep & (owner == k)]) for k in range(len(mixed))]
        geoms[mixed] = kept
    return geoms


def _settle(geoms, present, found: Pieces, threads, complete=None) -> Pieces:
    """Pieces that add up to their feature: the rest of each feature is a piece in no unit
    (but for the features ``complete`` already, those cut by the overlay)."""
    made = found.wkb != None  # (element-wise: pieces the overlay made, in WKB)
    keep = has_area(found.geoms) | made
    order = np.flatnonzero(keep)[np.lexsort((found.unit[keep], found.feature[keep]))]
    feature, unit, pieces, area = found.feature[order], found.unit[order], found.geoms[order], found.area_km2[order]
    wkb = found.wkb[order]
    check = present[~np.isin(present, complete)] if complete is not None and len(complete) else present
    checked = np.isin(feature, check)
    total = np.bincount(feature[checked], weights=_measure(pieces[checked]), minlength=len(geoms))
    own = np.zeros(len(geoms))
    own[check] = _measure(geoms[check])
    short = check[total[check] < own[check] * (1 - TOLERANCE)]
    covered = _unions(pieces, np.searchsorted(feature, short), np.searchsorted(feature, short, side="right"), threads)
    rest = in_threads(shapely.difference, geoms[short], covered, threads=threads) if len(short) else covered
    rest = of_dimension(rest, shapely.get_dimensions(geoms[short])) if len(short) else rest
    feature = np.concatenate([feature, short])
    unit = np.concatenate([unit, np.full(len(short), OUTSIDE)])
    pieces = np.concatenate([pieces, rest])
    area = np.concatenate([area, np.full(len(short), np.nan)])
    wkb = np.concatenate([wkb, np.full(len(short), None, dtype=object)])
    keep = has_area(pieces) | (wkb != None)
    order = np.lexsort((unit, unit < 0, feature))
    order = order[keep[order]]
    return Pieces(feature[order], unit[order].astype(np.int32), pieces[order], area[order], wkb[order])


def _unions(pieces: np.ndarray, start: np.ndarray, stop: np.ndarray, threads: int | None = 1) -> np.ndarray:
    """The union of each run ``pieces[start:stop]`` (in one call: a table of runs, padded).

    >>> _unions(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]), np.array([0]), np.array([2]))[0].area
    2.0
    """
    width = int((stop - start).max(initial=0))
    table = np.full((len(start), max(width, 1)), None, dtype=object)
    for k in range(width):
        has = start + k < stop
        table[has, k] = pieces[start[has] + k]
    return in_threads(lambda rows: shapely.union_all(rows, axis=1), table, threads=threads) if len(start) \
        else np.zeros(0, dtype=object)


def _measure(geoms: np.ndarray) -> np.ndarray:
    """Planar area of polygons, length of lines (in degrees: only compared with each other),
    number of points."""
    dimension = shapely.get_dimensions(geoms)
    size = shapely.get_num_geometries(geoms).astype(np.float64)
    for kind, measure in ((2, shapely.area), (1, shapely.length)):
        some = dimension == kind
        size[some] = measure(geoms[some])
    return size
