"""Place polygons that match no plan member, by an explicit rule.

The c.2013 layer holds units merged away before 2025: they match nothing in
a 2025 plan but their land must not vanish. Rule (``longest border``): such a
polygon joins the new unit with which it shares the longest boundary among
its neighbours in the same old parent (neighbours within ``tolerance``, since
dirty layers do not touch exactly). Polygons whose neighbours are themselves
unplaced are placed in later rounds; an island with no neighbour joins the
nearest placed polygon of its parent; what is left is reported.

>>> new_code = infer_units(geoms, new_code, parents, tolerance=0.001)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely


def shared_border(geoms, neighbours, tolerance: float) -> np.ndarray:
    """Length of each geometry's boundary lying within ``tolerance`` of its neighbour (element-wise).

    >>> shared_border([shapely.box(0, 0, 1, 1)], [shapely.box(1.001, 0, 2, 1)], 0.01).round(3).tolist()  # side + corners
    [1.018]
    """
    return shapely.length(shapely.intersection(shapely.boundary(geoms), shapely.buffer(neighbours, tolerance, quad_segs=2)))


def infer_units(geoms: np.ndarray, new_code: np.ndarray, parents: np.ndarray, tolerance: float) -> np.ndarray:
    """Fill missing ``new_code`` entries from the longest-border neighbour.

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
        best = pd.DataFrame({"mine": mine, "other": other, "length": shared_border(geoms[mine], geoms[other], tolerance)})
        best = best.sort_values(["mine", "length"], ascending=[True, False], kind="stable").drop_duplicates("mine")
        placed = dict(zip(best["mine"].tolist(), new_code[best["other"].to_numpy()]))
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
