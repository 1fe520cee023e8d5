"""Measure how clean a set of units is, the same way for every tool.

A clean result is a *coverage*: valid polygons that do not overlap and
whose shared edges match vertex for vertex, with no gap left between them.

>>> import shapely
>>> coverage_quality([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])["gaps"]
0
"""

from __future__ import annotations

import numpy as np
import shapely

from ..measure.area import area_km2, fast_area_km2, has_area, lonlat_array
from .geometry import valid_polygons


def holes(geoms) -> np.ndarray:
    """Interior rings of polygons, as polygons.

    >>> len(holes([shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))]))
    1
    """
    return holes_by_part(geoms)[0]


def holes_by_part(geoms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interior rings as polygons, with the geometry each belongs to and the
    index of its part in ``shapely.get_parts(geoms)``.

    >>> _, owner, part = holes_by_part([shapely.box(0, 0, 1, 1), shapely.box(0, 0, 3, 3) - shapely.box(1, 1, 2, 2)])
    >>> owner.tolist(), part.tolist()
    ([1], [1])
    """
    parts, owner = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    counts = shapely.get_num_interior_rings(parts)
    part_of_ring = np.repeat(np.arange(len(parts)), counts)
    number = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return shapely.polygons(shapely.get_interior_ring(parts[part_of_ring], number)), owner[part_of_ring], part_of_ring


def gaps_left(units) -> int:
    """Holes left inside the outline of the units (interior rings of their
    union, islands in them or not): 0 on a clean result.

    >>> gaps_left(np.array([shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))]))
    1
    """
    return len(holes([shapely.coverage_union_all(np.asarray(units, dtype=object))]))


def interior_pairs(geoms: np.ndarray, groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``i < j`` of geometries whose interiors meet (not only their
    borders), containment included; with ``groups``, only pairs of different groups.

    >>> boxes = np.array([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3), shapely.box(2, 0, 3, 1)])
    >>> [pair.tolist() for pair in interior_pairs(boxes)]
    [[0], [1]]
    """
    left, right = shapely.STRtree(geoms).query(geoms)
    keep = left < right
    if groups is not None:
        keep &= groups[left] != groups[right]
    left, right = left[keep], right[keep]
    meet = shapely.intersects(geoms[left], geoms[right])
    left, right = left[meet], right[meet]
    inside = ~shapely.touches(geoms[left], geoms[right])
    return left[inside], right[inside]


def overlaps(geoms, min_km2: float = 1e-6) -> list[tuple[int, int, float]]:
    """Pairs of geometries whose interiors intersect by more than ``min_km2``
    (1 m2), containment included: ``(i, j, km2)``.

    >>> overlaps([shapely.box(0, 0, 2, 2), shapely.box(0.5, 0.5, 1, 1)])[0][:2]
    (0, 1)
    """
    geoms = np.asarray(geoms, dtype=object)
    left, right = interior_pairs(geoms)
    areas = fast_area_km2(shapely.intersection(geoms[left], geoms[right]))
    big = areas > min_km2
    return list(zip(left[big].tolist(), right[big].tolist(), areas[big].tolist()))


def coverage_quality(geoms, crs=None) -> dict:
    """Validity, holes, gaps and overlaps of a set of units (an array, GeoSeries
    or GeoDataFrame; ``crs`` as for :func:`geoplan.area_km2`).

    - ``valid_share``: share of valid geometries (invalid ones are then
      repaired with ``make_valid`` for the other measures);
    - ``holes``: interior rings of the units (real holes and gaps alike);
    - ``gaps``: interior rings of the union of all units (space inside the
      outline that no unit covers), ``gaps_km2`` their area;
    - ``overlaps``: pairs of units whose interiors intersect by more than
      1 m2, ``overlaps_km2`` their total area;
    - ``invalid_edges``: units with edges that do not match their
      neighbour's (``shapely.coverage_invalid_edges``);
    - ``area_km2``: summed geodesic area of the units.

    >>> coverage_quality([shapely.box(0, 0, 1, 1), shapely.box(0.5, 0, 2, 1)])["overlaps"]
    1
    """
    geoms = lonlat_array(geoms, crs)
    geoms = geoms[has_area(geoms)]
    valid = shapely.is_valid(geoms)
    fixed = valid_polygons(geoms)
    fixed = fixed[has_area(fixed)]
    pairs = overlaps(fixed)
    gap_polys = holes([shapely.union_all(fixed)])
    invalid = shapely.coverage_invalid_edges(fixed)
    return {
        "n_units": int(len(geoms)),
        "valid_share": float(valid.mean()) if len(geoms) else 1.0,
        "holes": int(len(holes(fixed))),
        "gaps": int(len(gap_polys)),
        "gaps_km2": float(fast_area_km2(gap_polys).sum()),
        "overlaps": len(pairs),
        "overlaps_km2": float(sum(km2 for _, _, km2 in pairs)),
        "invalid_edges": int((~shapely.is_empty(invalid)).sum()),
        "area_km2": float(area_km2(fixed).sum()),
    }
