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

from .measure import area_km2


def holes(geoms) -> np.ndarray:
    """Interior rings of polygons, as polygons.

    >>> len(holes([shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))]))
    1
    """
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    rings = [shapely.get_interior_ring(p, i) for p in parts for i in range(shapely.get_num_interior_rings(p))]
    return shapely.polygons(np.asarray(rings, dtype=object)) if rings else np.empty(0, dtype=object)


def overlaps(geoms, min_area: float = 1e-10) -> list[tuple[int, int, float]]:
    """Pairs of geometries whose interiors overlap: ``(i, j, area in CRS units)``."""
    geoms = np.asarray(geoms, dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="overlaps")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    big = areas > min_area
    return list(zip(left[big].tolist(), right[big].tolist(), areas[big].tolist()))


def coverage_quality(geoms, exact_union: bool = True) -> dict:
    """Validity, holes, gaps and overlaps of a set of units (lon/lat geometries).

    - ``holes``: interior rings of the units (real holes and gaps alike);
    - ``gaps``: interior rings of the union of all units (space inside the
      outline that no unit covers);
    - ``overlaps``: pairs of units whose interiors intersect, ``overlaps_km2``
      their total area;
    - ``invalid_edges``: edges that do not match their neighbour's
      (``shapely.coverage_invalid_edges``).

    >>> coverage_quality([shapely.box(0, 0, 1, 1), shapely.box(0.5, 0, 2, 1)])["overlaps"]
    1
    """
    geoms = np.asarray(geoms, dtype=object)
    pairs = overlaps(geoms)
    union = shapely.union_all(geoms) if exact_union else shapely.coverage_union_all(geoms)
    gap_polys = holes([union])
    invalid = shapely.coverage_invalid_edges(geoms)
    over_geoms = [shapely.intersection(geoms[i], geoms[j]) for i, j, _ in pairs]
    return {
        "n_units": int(len(geoms)),
        "valid_share": float(np.mean(shapely.is_valid(geoms))),
        "holes": int(len(holes(geoms))),
        "gaps": int(len(gap_polys)),
        "gaps_km2": float(area_km2(gap_polys).sum()) if len(gap_polys) else 0.0,
        "overlaps": len(pairs),
        "overlaps_km2": float(area_km2(np.asarray(over_geoms, dtype=object)).sum()) if pairs else 0.0,
        "invalid_edges": int((~shapely.is_empty(invalid)).sum()),
        "area_km2": float(area_km2(geoms).sum()),
    }
