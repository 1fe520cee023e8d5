"""GEOS as the oracle of the engine's overlay (``geoplan.engine.arrange.overlay``).

A case of :mod:`.cases` is split into two layers (its polygons in turn to A and to B, each
made valid, as the overlay's callers give them) and overlaid with the rules of its seed
(``overlap_a`` and ``overlap_b``: ``each`` or ``first``; the pieces as geometries or as WKB).
Everything is compared on the engine's own grid (:func:`.oracle.to_grid`); GEOS computes the
pieces with ``grid_size=1``. The checks:

- ``valid``: every piece is a valid polygon; the ``area`` column is its area;
- ``pieces``: each pair (a, b) whose effective regions share more than the tolerance has one
  row, whose piece is GEOS's (their symmetric difference within the tolerance); a row GEOS finds
  no piece for has none of any size; where one layer takes its overlaps to its first polygon
  (``first``), a polygon's effective region is what no earlier one covers;
- ``outside``: the same for each polygon's row with -1 (what lies in no polygon of the other
  layer);
- ``disjoint``: where the other layer takes its overlaps to its first polygon, the pieces of a
  polygon do not overlap;
- ``km2``: in lon/lat, each row's ``area_km2`` is the straight-edge area of its geometry
  (:func:`geoplan.measure.straight.straight_area_km2`).

Areas are compared within what snap rounding may move (:func:`.oracle.tolerance`, of the
polygons around the piece).

>>> import shapely, numpy as np
>>> from geoplan.engine.arrange import overlay
>>> a, b = np.array([shapely.box(0, 0, 2, 1)]), np.array([shapely.box(1, 0, 3, 1)])
>>> check_overlay(a, b, overlay(a, b), "each", "each", False)
[]
"""

from __future__ import annotations

import numpy as np
import shapely

from geoplan.engine.arrange import grid_unit
from geoplan.engine.geometry import polygonal_part

from .oracle import to_grid, tolerance

RULES = (("each", "each"), ("each", "first"), ("first", "each"), ("first", "first"))


def layers(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A case's polygons, made valid, in turn to layer A and to layer B.

    >>> a, b = layers(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)]))
    >>> len(a), len(b)
    (2, 1)
    """
    valid = [g if g.is_valid else polygonal_part(shapely.make_valid(g)) for g in geoms]
    valid = np.array([g for g in valid if not g.is_empty], dtype=object)
    return valid[0::2], valid[1::2]


def _effective(q: np.ndarray, rule: str) -> np.ndarray:
    """Each polygon's region: itself (``each``), or what no earlier polygon covers (``first``)."""
    if rule == "each":
        return q
    out, before = np.empty(len(q), dtype=object), shapely.Polygon()
    for i, g in enumerate(q):
        out[i] = polygonal_part(shapely.difference(g, before, grid_size=1))
        before = polygonal_part(shapely.union(before, g, grid_size=1))
    return out


def _in_grid(geoms: np.ndarray, unit: float, origin: np.ndarray) -> np.ndarray:
    """Polygons rounded to the grid (integer grid units from ``origin``), made valid again."""
    q = to_grid(geoms, unit, origin, True)
    return np.array([g if g.is_valid and g.area > 0 else _made_valid(g) for g in q], dtype=object)


def _made_valid(g):
    """``make_valid``'s polygons; by its other method where GEOS's linework one raises (it does on
    some polygons that rounding collapsed: "Overlay input is mixed-dimension")."""
    try:
        return polygonal_part(shapely.make_valid(g))
    except shapely.errors.GEOSException:
        return polygonal_part(shapely.make_valid(g, method="structure", keep_collapsed=False))


def _expected(ea: np.ndarray, eb: np.ndarray, qa: np.ndarray, qb: np.ndarray) -> dict:
    """GEOS's piece of every row: {(a, b): piece}, -1 for what lies in no polygon of the other layer."""
    pieces = {}
    tree = shapely.STRtree(eb)
    union_b = shapely.union_all(qb, grid_size=1)
    for i, g in enumerate(ea):
        for j in tree.query(g):
            pieces[(i, int(j))] = polygonal_part(shapely.intersection(g, eb[j], grid_size=1))
        pieces[(i, -1)] = polygonal_part(shapely.difference(g, union_b, grid_size=1))
    union_a = shapely.union_all(qa, grid_size=1)
    for j, g in enumerate(eb):
        pieces[(-1, j)] = polygonal_part(shapely.difference(g, union_a, grid_size=1))
    return pieces


def _tolerances(qa: np.ndarray, qb: np.ndarray) -> dict:
    """Per polygon of each layer, the tolerance of it and of every polygon whose box meets it."""
    both = np.concatenate([qa, qb])
    tree = shapely.STRtree(both)
    tol = [tolerance(both[tree.query(g)]) for g in both]
    return {("a", i): tol[i] for i in range(len(qa))} | {("b", j): tol[len(qa) + j] for j in range(len(qb))}


def check_overlay(a, b, frame, overlap_a: str, overlap_b: str, geographic: bool) -> list[str]:
    """Failures of ``frame``, the overlay of layers ``a`` and ``b`` by these rules; [] when right."""
    fails = []
    pieces = frame["geometry"].to_numpy()
    if len(pieces) and isinstance(pieces[0], bytes):
        pieces = shapely.from_wkb(pieces)
    valid = shapely.is_valid(pieces)
    if not valid.all():
        return [f"valid: {int((~valid).sum())} invalid pieces: {shapely.is_valid_reason(pieces[~valid])[:3]}"]
    planar = shapely.area(pieces)
    x0, y0, x1, y1 = shapely.bounds(pieces).T if len(pieces) else np.zeros((4, 0))
    rounding = 8 * np.finfo(float).eps * shapely.get_num_coordinates(pieces) * (x1 - x0) * (y1 - y0)  # (shoelace sums)
    if (np.abs(frame["area"].to_numpy() - planar) > 1e-9 * planar + rounding).any():
        fails.append("valid: the area column is not the pieces' area")
    if not len(a) + len(b):
        return fails + ([f"pieces: {len(frame)} rows from two empty layers"] if len(frame) else [])
    unit = grid_unit(np.concatenate([a, b]))
    origin = np.rint(shapely.get_coordinates(np.concatenate([a, b])) / unit).min(axis=0)
    qa, qb = _in_grid(a, unit, origin), _in_grid(b, unit, origin)
    expected = _expected(_effective(qa, overlap_a), _effective(qb, overlap_b), qa, qb)
    tol = _tolerances(qa, qb)
    rows = list(zip(frame["a"].astype(int), frame["b"].astype(int)))
    if len(set(rows)) < len(rows):
        fails.append(f"pieces: {len(rows) - len(set(rows))} rows repeat a pair")
    got = dict(zip(rows, to_grid(pieces, unit, origin, False)))
    none = shapely.Polygon()
    for i, j in sorted(expected.keys() | got.keys()):
        limit = max(tol[("a", i)] if i >= 0 else 0.0, tol[("b", j)] if j >= 0 else 0.0)
        found, want = got.get((i, j), none), expected.get((i, j), none)
        apart = shapely.symmetric_difference(found, want).area
        if apart > limit:
            kind = "outside" if min(i, j) < 0 else "pieces"
            fails.append(f"{kind}: row ({i}, {j}): area {found.area:.6g}, GEOS {want.area:.6g}, "
                         f"{apart:.6g} apart (tolerance {limit:.3g} grid units^2)")
    for side, other_rule, n in ((0, overlap_b, len(qa)), (1, overlap_a, len(qb))):
        for k in range(n) if other_rule == "first" else ():
            mine = [g for key, g in got.items() if key[side] == k]
            overlap = sum(g.area for g in mine) - shapely.union_all(mine, grid_size=1).area if len(mine) > 1 else 0.0
            if overlap > tol[("ab"[side], k)]:
                fails.append(f"disjoint: the pieces of {'AB'[side]} {k} overlap by {overlap:.6g} grid units^2")
    if geographic:
        from geoplan.measure.straight import straight_area_km2

        straight = straight_area_km2(pieces, "EPSG:4326")  # (as drawn: a vertex may lie past 90 degrees)
        if not np.allclose(frame["area_km2"].to_numpy(), straight, rtol=1e-9, atol=1e-12 * max(straight.max(initial=0), 1e-300)):
            fails.append("km2: area_km2 is not the straight-edge area of the pieces")
    return fails[:5]
