"""One overlay in two threads: the polygons of layer A split south to north into two groups of
about the same work, each overlaid with the polygons of layer B that it meets, side by side
(the arrangement releases the GIL). A polygon's pieces depend only on it and the polygons of
the other layer it meets, and both groups snap to the grid of all the pairs, so the groups
change no piece but at the grid's scale. The groups do not depend on the machine.

>>> import shapely
>>> a = np.array([shapely.box(0, y, 1, y + 1) for y in range(4)])
>>> parts = overlay_halves(a, a, np.arange(4), np.arange(4), per_thread=1, geometry=False)
>>> [(group.tolist(), used.tolist(), len(frame)) for group, used, frame in parts]
[([0, 1], [0, 1], 2), ([2, 3], [2, 3], 2)]
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

from .arrange import grid_unit, overlay

PER_THREAD = 1000  # polygons of A at least in each of the two overlays run side by side


def overlay_halves(a: np.ndarray, b: np.ndarray, left: np.ndarray, right: np.ndarray, threads: int | None = None,
                   per_thread: int = PER_THREAD, finish=None, **options) -> list:
    """The overlays of the polygons ``a[left]`` with ``b[right]`` (the pairs that meet, or whose
    boxes meet: the others give no piece), in two groups from ``2 * per_thread`` polygons of A on,
    in ``threads`` threads (default: the cores, at most 2); ``options`` go to
    :func:`geoplan.engine.arrange.overlay`. Per group: (its polygons of A, the polygons of B
    they meet, the overlay's frame, whose ``a`` and ``b`` index those two), or what ``finish``
    makes of these three (run in the group's thread)."""
    features = np.unique(left)
    grid = grid_unit(np.concatenate([a[features], b[np.unique(right)]])) if len(features) else None
    finish = finish or (lambda group, used, frame: (group, used, frame))

    def one(group):
        used = np.unique(right[np.isin(left, group)])
        return finish(group, used, overlay(a[group], b[used], grid=grid, **options))

    if len(features) < max(2 * per_thread, 2):
        return [one(features)]
    with ThreadPoolExecutor(min(threads or os.cpu_count() or 1, 2)) as pool:
        return list(pool.map(one, halves(a, b, left, right)))


def halves(a: np.ndarray, b: np.ndarray, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
    """The polygons of A of the pairs in two groups, south and north, of about the same work: each
    weighs its vertices and its share of the vertices of each polygon of B it meets (one met by
    both groups is overlaid in both).

    >>> boxes = np.array([shapely.box(0, y, 1, y + 1) for y in range(4)])
    >>> [g.tolist() for g in halves(boxes, boxes, np.arange(4), np.arange(4))]
    [[0, 1], [2, 3]]
    >>> boxes[0] = shapely.Point(0.5, 0.5).buffer(0.5, quad_segs=100)  # heavier than the three others
    >>> [g.tolist() for g in halves(boxes, boxes, np.arange(4), np.arange(4))]
    [[0], [1, 2, 3]]
    """
    features = np.unique(left)
    meeting = np.bincount(right)[right]  # polygons of A meeting each pair's polygon of B
    weight = vertices(a[features]) + np.bincount(np.searchsorted(features, left),
                                                 weights=vertices(b[right]) / meeting, minlength=len(features))
    bounds = shapely.bounds(a[features])
    order = np.argsort(bounds[:, 1] + bounds[:, 3], kind="stable")
    middle = np.searchsorted(np.cumsum(weight[order]), weight.sum() / 2, side="right")
    middle = min(max(middle, 1), len(features) - 1)  # (one polygon heavier than all others: still two groups)
    return [features[order[:middle]], features[order[middle:]]]


def in_layers(group: np.ndarray, used: np.ndarray, frame) -> tuple[np.ndarray, np.ndarray]:
    """The ``a`` and ``b`` of a group's overlay frame (positions in ``group`` and ``used``) as
    positions in the whole layers A and B; -1 (in no polygon of that layer) stays -1.

    >>> import pandas as pd
    >>> a, b = in_layers(np.array([4, 7]), np.array([2]), pd.DataFrame({"a": [-1, 0, 1], "b": [0, 0, -1]}))
    >>> a.tolist(), b.tolist()
    ([-1, 4, 7], [2, 2, -1])
    """
    a, b = frame["a"].to_numpy(), frame["b"].to_numpy()
    return _lifted(a, group), _lifted(b, used)


def _lifted(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.full(len(index), -1, dtype=np.int64)
    out[index >= 0] = values[index[index >= 0]]
    return out


def vertices(geoms: np.ndarray) -> np.ndarray:
    """Each geometry's number of vertices, as floats (weights of work).

    >>> vertices(np.array([shapely.box(0, 0, 1, 1)])).tolist()
    [5.0]
    """
    return shapely.get_num_coordinates(geoms).astype(np.float64)
