"""Points placed in units: by the grid (:mod:`.grid`), snapped to the nearest unit within
a distance in metres when asked, and given their old unit when the units are a merge result.

A point goes to the first unit, in the layer's order, whose polygon covers it (its boundary
included). A point in no unit stays ``outside`` (listed in the report), or with ``snap_m`` goes
to the nearest unit within that many metres, measured along the shortest line to the unit in
longitude and latitude (``snapped``). A point without coordinates is ``no geometry``.

>>> import geopandas as gpd, shapely
>>> from .options import AssignOptions
>>> from .units import load_units
>>> units = load_units(gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(105, 10, 105.1, 10.1)], crs=4326),
...                    AssignOptions())
>>> unit, how, metres = locate_points(np.array([105.05, 105.1004, np.nan]), np.array([10.05, 10.05, np.nan]), units, 100)
>>> unit.tolist(), [PLACED[h] for h in how], np.round(metres, -1).tolist()
([0, 0, -1], ['inside', 'snapped', 'no geometry'], [nan, 40.0, nan])
"""

from __future__ import annotations

import numpy as np
import shapely

from ..measure.area import METRES_PER_DEGREE, metres_along
from .grid import OUTSIDE
from .units import Units

PLACED = ("inside", "snapped", "outside", "no geometry")
INSIDE, SNAPPED, NOWHERE, NO_GEOMETRY = range(4)


def locate_points(x: np.ndarray, y: np.ndarray, units: Units, snap_m: float | None = None):
    """Per point: its unit (index, -1 for none), how it was placed (an index into ``PLACED``)
    and, for a snapped point, how far it was from the unit in metres (NaN otherwise); see the module."""
    unit = units.grid().locate(x, y)
    how = np.where(np.isnan(x) | np.isnan(y), NO_GEOMETRY, np.where(unit >= 0, INSIDE, NOWHERE)).astype(np.int8)
    metres = np.full(len(x), np.nan)
    far = np.flatnonzero(how == NOWHERE)
    if snap_m is not None and len(far):
        near, distance = nearest_units(x[far], y[far], units, snap_m)
        found = near >= 0
        unit[far[found]], how[far[found]], metres[far[found]] = near[found], SNAPPED, distance[found]
    return unit, how, metres


def nearest_units(x: np.ndarray, y: np.ndarray, units: Units, metres: float) -> tuple[np.ndarray, np.ndarray]:
    """The nearest unit of each point within ``metres`` (-1 where none is), and its distance in
    metres; of units at the same distance, the first.

    >>> from .units import Units
    >>> units = Units(None, np.array([shapely.box(105, 10, 105.1, 10.1)]), "")
    >>> unit, metres = nearest_units(np.array([105.1009, 106.0]), np.array([10.05, 10.05]), units, 200)
    >>> unit.tolist(), np.round(metres, -1).tolist()
    ([0, -1], [100.0, nan])
    """
    points = shapely.points(x, y)
    degrees = metres / (METRES_PER_DEGREE * np.cos(np.radians(np.minimum(np.abs(y) + 1, 89.0))))
    point, unit = units.tree().query(points, predicate="dwithin", distance=degrees)
    distance = metres_along(shapely.shortest_line(points[point], units.geoms[unit]))
    keep = distance <= metres
    point, unit, distance = point[keep], unit[keep], distance[keep]
    order = np.lexsort((unit, distance, point))
    first = order[np.r_[True, point[order][1:] != point[order][:-1]]] if len(order) else order
    found, found_m = np.full(len(x), OUTSIDE, dtype=np.int32), np.full(len(x), np.nan)
    found[point[first]], found_m[point[first]] = unit[first], distance[first]
    return found, found_m


def old_units(x: np.ndarray, y: np.ndarray, unit: np.ndarray, units: Units) -> np.ndarray:
    """For each point placed in a new unit of a merge result, the crosswalk piece (an old unit's
    part) that covers it within that new unit: the first such piece in the crosswalk's order;
    -1 where none does (a gap the merge filled, an overlap it gave to a neighbour).

    >>> old_units(x, y, unit, load_units("communes.gpkg", AssignOptions()))  # doctest: +SKIP
    """
    pieces = units.old
    piece = np.full(len(x), OUTSIDE, dtype=np.int32)
    placed = np.flatnonzero(unit >= 0)
    piece[placed] = pieces.grid().locate(x[placed], y[placed])
    new_of_piece = pieces.table["new_code"].to_numpy(dtype=object)
    codes = units.table["code"].to_numpy(dtype=object)
    wrong = placed[(piece[placed] < 0) | (new_of_piece[np.maximum(piece[placed], 0)] != codes[unit[placed]])]
    if len(wrong):  # the first piece covering it belongs to another new unit: look among its own
        point, candidate = pieces.tree().query(shapely.points(x[wrong], y[wrong]), predicate="intersects")
        same = new_of_piece[candidate] == codes[unit[wrong[point]]]
        point, candidate = point[same], candidate[same]
        order = np.lexsort((candidate, point))
        first = order[np.r_[True, point[order][1:] != point[order][:-1]]] if len(order) else order
        piece[wrong] = OUTSIDE
        piece[wrong[point[first]]] = candidate[first]
    return piece
