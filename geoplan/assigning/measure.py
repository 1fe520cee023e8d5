"""Measures of pieces that add up: areas of polygons with edges straight in longitude and
latitude (:mod:`geoplan.measure.straight`), lengths of lines in metres.

>>> import shapely
>>> length, area = measure(np.array([shapely.box(105, 10, 105.1, 10.1)]), np.array([2]))
>>> round(float(area[0]), 3)
121.251
"""

from __future__ import annotations

import numpy as np

from ..measure.area import metres_along
from ..measure.straight import straight_area_km2
from ..threads import in_threads


def measure(geoms: np.ndarray, dimension: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths in metres of lines and areas in km2 of polygons (NaN for the other kind); areas
    in threads (numpy works outside the GIL on long arrays).

    >>> import shapely
    >>> length, area = measure(np.array([shapely.LineString([(105, 10), (105, 11)])]), np.array([1]))
    >>> round(float(length[0]), -2), bool(np.isnan(area[0]))
    (111300.0, True)
    """
    length = np.full(len(geoms), np.nan)
    area = np.full(len(geoms), np.nan)
    lines, polygons = np.flatnonzero(dimension == 1), np.flatnonzero(dimension == 2)
    if len(lines):
        length[lines] = metres_along(geoms[lines])
    if len(polygons):
        area[polygons] = in_threads(straight_area_km2, geoms[polygons])
    return length, area
