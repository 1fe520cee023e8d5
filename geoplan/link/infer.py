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

from ..measure.area import has_area, metres_along
from ..threads import in_threads

def shared_border(geoms, neighbours, tolerance: float) -> np.ndarray:
    """Length in metres of each lon/lat geometry's boundary lying within
    ``tolerance`` (degrees) of its neighbour (element-wise).

    >>> shared_border([shapely.box(0, 0, 1, 1)], [shapely.box(1.001, 0, 2, 1)], 0.01).round(-2).tolist()  # side + corners
    [113300.0]
    """
    return in_threads(lambda mine, theirs: metres_along(shapely.intersection(
        shapely.boundary(mine), shapely.buffer(theirs, tolerance, quad_segs=2))),
        np.asarray(geoms, dtype=object), np.asarray(neighbours, dtype=object))


def infer_units(geoms: np.ndarray, new_code: np.ndarray, parents: np.ndarray, tolerance: float,
                allowed: dict | None = None) -> np.ndarray:
    """Fill missing ``new_code`` entries with the new unit of the longest border
    (``geoms`` in lon/lat, ``tolerance`` in degrees).

    An island with no neighbour within ``tolerance`` joins the nearest placed
    polygon of the same parent. ``allowed`` ({position: set of new codes})
    narrows the choice of some polygons, such as a feature whose name fits
    several plan members: among its neighbours, those units come first when
    it borders any of them.
    Returns a new array; entries with no geometry, or no placed polygon in
    the same parent, stay None.

    >>> boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)])
    >>> infer_units(boxes, np.array(["A", None, "B"], dtype=object), np.array(["P"] * 3), 0.001).tolist()
    ['A', 'A', 'B']
    >>> infer_units(boxes, np.array(["A", None, "B"], dtype=object), np.array(["P"] * 3), 0.001, {1: {"B"}}).tolist()
    ['A', 'B', 'B']
    """
    new_code = np.asarray(new_code, dtype=object).copy()
    geoms = np.asarray(geoms, dtype=object)
    parents = np.asarray(parents, dtype=object)
    allowed = allowed or {}
    for i, units in allowed.items():  # one choice only: no border to measure
        if new_code[i] is None and len(units) == 1:
            new_code[i] = next(iter(units))
    tree = shapely.STRtree(geoms)
    measurable = has_area(geoms)
    todo = [i for i in range(len(geoms)) if new_code[i] is None and measurable[i]]
    while todo:
        mine, other = tree.query(geoms[todo], predicate="dwithin", distance=tolerance)
        mine = np.asarray(todo)[mine]
        keep = (other != mine) & (new_code[other] != None) & (parents[other] == parents[mine])  # noqa: E711
        mine, other = mine[keep], other[keep]
        border = pd.DataFrame({"mine": mine, "unit": new_code[other].astype(str),
                               "length": shared_border(geoms[mine], geoms[other], tolerance)})
        best = border.groupby(["mine", "unit"], sort=True)["length"].sum().reset_index()
        fits = np.array([m not in allowed or u in allowed[m] for m, u in zip(best["mine"], best["unit"])], dtype=bool)
        best = best[fits | ~pd.Series(fits).groupby(best["mine"].to_numpy()).transform("any").to_numpy()]
        best = best.sort_values(["mine", "length"], ascending=[True, False], kind="stable").drop_duplicates("mine")
        placed = dict(zip(best["mine"].tolist(), best["unit"].tolist()))
        if not placed:
            placed = _nearest(geoms, new_code, parents, todo, measurable)
        if not placed:
            break
        for i, code in placed.items():
            new_code[i] = code
        todo = [i for i in todo if i not in placed]
    return new_code


def _nearest(geoms, new_code, parents, todo, measurable) -> dict:
    """Islands: the new unit of the nearest placed polygon in the same parent."""
    placed = {}
    for i in todo:
        same = np.flatnonzero((parents == parents[i]) & (new_code != None) & measurable)  # noqa: E711
        if len(same):
            j = same[int(np.argmin(shapely.distance(geoms[same], geoms[i])))]
            placed[i] = new_code[j]
    return placed


def detached(geoms: np.ndarray, units: np.ndarray, tolerance: float) -> np.ndarray:
    """Polygons whose unit has other polygons, none of them within ``tolerance``
    (lon/lat, degrees): an exclave, or a link to check (a homonym of another
    district). Units None are left out.

    >>> boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 0, 6, 1)])
    >>> detached(boxes, np.array(["A", "A", "A"], dtype=object), 0.001).tolist()
    [False, False, True]
    """
    units = np.asarray(units, dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    x0, y0, x1, y1 = shapely.bounds(geoms).T
    boxes = shapely.box(x0 - tolerance, y0 - tolerance, x1 + tolerance, y1 + tolerance)  # candidates first: cheap
    mine, other = shapely.STRtree(geoms).query(boxes)
    same = (mine != other) & (units[mine] == units[other]) & (units[mine] != None)  # noqa: E711
    mine, other = mine[same], other[same]
    near = np.zeros(len(geoms), dtype=bool)
    near[mine[shapely.dwithin(geoms[mine], geoms[other], tolerance)]] = True
    placed = pd.Series(units).dropna()
    several = pd.Series(units).map(placed.value_counts()).fillna(0).to_numpy() > 1
    return several & has_area(geoms) & ~near
