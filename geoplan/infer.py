"""Place polygons that match no plan member, by an explicit rule.

The c.2013 layer holds units merged away before 2025: they match nothing in
a 2025 plan but their land must not vanish. Rule (``longest border``): such a
polygon joins the new unit with which it shares the longest boundary, summed
over that unit's polygons in the same old parent (neighbours within
``tolerance``, since dirty layers do not touch exactly), measured in metres
on lon/lat coordinates so that the choice does not depend on the layer's
CRS. Polygons whose neighbours are themselves unplaced are placed in later
rounds; an island with no neighbour joins the nearest placed polygon of its
parent; what is left is reported.

>>> new_code = infer_units(geoms, new_code, parents, tolerance=0.001)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

METRES_PER_DEGREE = 111_320.0  # along a meridian, and along the equator


def shared_border(geoms, neighbours, tolerance: float) -> np.ndarray:
    """Length in metres of each lon/lat geometry's boundary lying within
    ``tolerance`` (degrees) of its neighbour (element-wise).

    >>> shared_border([shapely.box(0, 0, 1, 1)], [shapely.box(1.001, 0, 2, 1)], 0.01).round(-2).tolist()  # side + corners
    [113300.0]
    """
    pieces = shapely.intersection(shapely.boundary(geoms), shapely.buffer(neighbours, tolerance, quad_segs=2))
    return metres_along(pieces)


def metres_along(lines) -> np.ndarray:
    """Length in metres of lon/lat lines: each segment scaled by the cosine of
    its latitude (exact enough for borders, which are made of short segments).

    >>> metres_along([shapely.LineString([(105, 10), (105, 11)]), shapely.LineString([(105, 60), (106, 60)])]).round(-2).tolist()
    [111300.0, 55700.0]
    """
    parts, owner = shapely.get_parts(np.asarray(lines, dtype=object), return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]
    dx, dy = np.diff(xy[:, 0])[same], np.diff(xy[:, 1])[same]
    dx *= np.cos(np.radians((xy[1:, 1] + xy[:-1, 1])[same] / 2))
    return np.bincount(owner[part[1:][same]], weights=np.hypot(dx, dy) * METRES_PER_DEGREE, minlength=len(lines))


def infer_units(geoms: np.ndarray, new_code: np.ndarray, parents: np.ndarray, tolerance: float) -> np.ndarray:
    """Fill missing ``new_code`` entries with the new unit of the longest border
    (``geoms`` in lon/lat, ``tolerance`` in degrees).

    An island with no neighbour within ``tolerance`` joins the nearest placed
    polygon of the same parent. Returns a new array; entries with no placed
    polygon in the same parent stay None.

    >>> boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> infer_units(boxes, np.array(["A", None], dtype=object), np.array(["P", "P"]), 0.001).tolist()
    ['A', 'A']
    """
    new_code = np.asarray(new_code, dtype=object).copy()
    geoms = np.asarray(geoms, dtype=object)
    parents = np.asarray(parents, dtype=object)
    tree = shapely.STRtree(geoms)
    todo = [i for i in range(len(geoms)) if new_code[i] is None]
    while todo:
        mine, other = tree.query(geoms[todo], predicate="dwithin", distance=tolerance)
        mine = np.asarray(todo)[mine]
        keep = (other != mine) & (new_code[other] != None) & (parents[other] == parents[mine])  # noqa: E711
        mine, other = mine[keep], other[keep]
        border = pd.DataFrame({"mine": mine, "unit": new_code[other].astype(str),
                               "length": shared_border(geoms[mine], geoms[other], tolerance)})
        best = border.groupby(["mine", "unit"], sort=True)["length"].sum().reset_index()
        best = best.sort_values(["mine", "length"], ascending=[True, False], kind="stable").drop_duplicates("mine")
        placed = dict(zip(best["mine"].tolist(), best["unit"].tolist()))
        if not placed:
            placed = _nearest(geoms, new_code, parents, todo, tree)
        if not placed:
            break
        for i, code in placed.items():
            new_code[i] = code
        todo = [i for i in todo if i not in placed]
    return new_code


def _nearest(geoms, new_code, parents, todo, tree) -> dict:
    """Islands: the new unit of the nearest placed polygon in the same parent."""
    placed = {}
    for i in todo:
        same = np.flatnonzero((parents == parents[i]) & (new_code != None))  # noqa: E711
        if len(same):
            j = same[int(np.argmin(shapely.distance(geoms[same], geoms[i])))]
            placed[i] = new_code[j]
    return placed
