"""GEOS as the oracle of the engine: what a clean dissolve of a case must give.

Everything is compared on the engine's own grid: the input's vertices are
rounded to the grid as the engine rounds them (``numpy.rint``, half to even)
and both the input and the engine's output are moved to integer grid
coordinates (an exact translation). GEOS then works two ways: with
``grid_size=1`` (snap-rounded overlay on that grid: robust, the same
algorithm as the engine's) and in floating point (exact topology, but at
2^40 grid units across a layer its fallback snapping may move a boundary by
a few dozen units). The checks:

- ``valid``: every unit is a valid polygon (``shapely.is_valid``);
- ``coverage``: the units form a valid coverage for GEOS (``coverage_is_valid``);
- ``overlap``: the units' areas add up to the area of their union;
- ``outline``: the union of the units is the input's union with every
  enclosed gap filled: the bounded faces of the noded input boundaries that
  no polygon covers (a face closed off at a single point is enclosed).
  Snap rounding may close a channel narrower than the grid; a region that
  floating-point GEOS still finds open to the outside must stay unfilled
  (``open filled``), and may stay unfilled even where the snap-rounded
  GEOS overlay closes it;
- ``accounting``: units area = input union area + area of the gap pieces
  the engine reports;
- ``own``: each group keeps all of its polygons' area that no other group's
  polygons cover (so every group that has area of its own is present).

Areas are compared within what snap rounding may move (``tolerance``): a few
grid steps along every boundary.

>>> import shapely, numpy as np
>>> from geoplan.engine.dissolve import dissolve_clean
>>> geoms, keys = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]), np.array(["a", "b"])
>>> check_dissolve(geoms, keys, dissolve_clean(geoms, keys, 1.0), False)
[]
"""

from __future__ import annotations

import numpy as np
import shapely

from geoplan.engine.arrange import grid_unit
from geoplan.engine.geometry import polygonal_part


def to_grid(geoms: np.ndarray, unit: float, origin: np.ndarray, rounding: bool) -> np.ndarray:
    """Geometries in grid units relative to ``origin`` (integers when ``rounding``)."""
    def move(xy):
        q = xy / unit
        return (np.rint(q) if rounding else q) - origin
    return shapely.transform(geoms, move)


def tolerance(geoms: np.ndarray) -> float:
    """Area (grid units squared) that snap rounding, ours and GEOS's, may move: three grid steps along every boundary, a few per vertex."""
    return 3.0 * float(shapely.length(geoms).sum()) + 16.0 * float(shapely.get_num_coordinates(geoms).sum()) + 16.0


def _repaired(geoms: np.ndarray, flagged) -> np.ndarray:
    """The input as the dissolve used it: invalid polygons it repaired replaced by the repair."""
    geoms = geoms.copy()
    for i, g in flagged.items():
        geoms[i] = g
    return geoms


def enclosed_filled(union, geoms: np.ndarray, grid_size: float | None = None):
    """The union with every enclosed gap filled: the bounded faces of the noded boundaries that the union does not cover."""
    lines = shapely.union_all(shapely.boundary(geoms), grid_size=grid_size)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    if len(faces) == 0:
        return union
    gaps = faces[~shapely.covers(union, shapely.point_on_surface(faces))]
    return polygonal_part(shapely.union_all([union, *gaps], grid_size=grid_size)) if len(gaps) else union


def open_regions(geoms, keys, geographic: bool) -> np.ndarray:
    """The uncovered faces the engine left outside (reached through a channel snap rounding closed)."""
    from geoplan.engine.arrange import arrange, multipolygons

    _, groups = np.unique(np.asarray(keys).astype(str), return_inverse=True)
    return multipolygons(arrange(np.asarray(geoms, dtype=object), groups, int(groups.max()) + 1, geographic), "open")


class _Exact:
    """The exact arrangement of the rounded input, built when first asked."""

    def __init__(self, geoms, keys):
        self.geoms, self.keys, self._arr = geoms, keys, None

    def filled(self, point) -> bool:
        """Is the point covered by the input or in an enclosed gap, exactly?"""
        from .exact import Arrangement, covered, rings_of

        if self._arr is None:
            self._rings = rings_of(self.geoms, [str(k) for k in self.keys])
            self._arr = Arrangement(self._rings)
        xy = (point.x, point.y)
        return covered(self._rings, xy) or self._arr.enclosed(xy)

    def behind_sliver(self, q, point) -> bool:
        """Is the point uncovered and enclosed only by material thinner than about a grid step? Snap
        rounding may collapse such a sliver (its two sides snap together and cancel), and what it
        closed off then reaches the outside: allowed, like a channel it closes."""
        from .exact import covered

        if covered(self._rings, (point.x, point.y)):
            return False
        opened = shapely.buffer(shapely.buffer(shapely.union_all(q), -0.8, join_style="mitre"), 0.7, join_style="mitre")
        return not inside_any(np.array([opened, *enclosed_faces(np.array(shapely.get_parts(opened)))], dtype=object), point)


def enclosed_faces(geoms: np.ndarray) -> np.ndarray:
    """The gaps by floating point GEOS: bounded faces of the noded boundaries that no polygon covers."""
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(shapely.boundary(geoms)))))
    if not len(faces):
        return faces
    points = shapely.point_on_surface(faces)
    covered = np.zeros(len(faces), dtype=bool)
    for g in geoms:
        covered |= shapely.covers(g, points)
    return faces[~covered]


def inside_any(geoms: np.ndarray, point) -> bool:
    """Is the point strictly inside one of the polygons (an exact point-in-polygon test)?"""
    return bool(len(geoms)) and bool(shapely.contains_properly(geoms, point).any())


def fat_parts(geom, thin_width: float):
    """(part, centre) for each polygonal part: a point inside it at least ``thin_width`` / 2 from its
    boundary (``point_on_surface``, checked), else None (a sliver, judged by its area)."""
    parts = shapely.get_parts(polygonal_part(geom)) if geom is not None and not geom.is_empty else []
    for part in parts:
        area, length = part.area, part.length
        if area <= 0:
            continue
        if 4 * area < thin_width * length:  # twice the mean width under the limit: a sliver
            yield part, None
            continue
        centre = shapely.point_on_surface(part)
        if shapely.distance(shapely.boundary(part), centre) <= thin_width / 2:  # an awkward shape: the slow way
            circle = shapely.maximum_inscribed_circle(part, max(0.25, area / length / 4))
            centre = shapely.get_point(circle, 0) if circle.length > thin_width / 2 else None
        yield part, centre


def check_dissolve(geoms, keys, out, geographic: bool) -> list[str]:
    """Failures of a dissolve (``geoplan.engine.dissolve.Dissolved``) of ``geoms`` by ``keys``; [] when it is right."""
    geoms = np.asarray(geoms, dtype=object)
    keys = np.asarray(keys, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms, keys = geoms[keep], keys[keep]
    fails = []
    units = out.units.to_numpy()
    valid = shapely.is_valid(units)
    if not valid.all():
        fails.append(f"valid: {int((~valid).sum())} invalid units: {shapely.is_valid_reason(units[~valid])[:3]}")
    if len(units) and not bool(shapely.coverage_is_valid(units)):
        bad = ~shapely.is_empty(shapely.coverage_invalid_edges(units))
        fails.append(f"coverage: GEOS finds {int(bad.sum())} units with invalid edges")
    if not len(geoms) or not valid.all():
        return fails
    unit = grid_unit(geoms)
    origin = np.rint(shapely.get_coordinates(geoms) / unit).min(axis=0)
    back = {int(p): k for k, p in enumerate(np.flatnonzero(keep))}  # positions in the caller's array -> here
    source = _repaired(geoms, {back[i]: g for i, g in out.repaired.items() if i in back})
    q = to_grid(source, unit, origin, True)
    q = np.array([g if g.is_valid else polygonal_part(shapely.make_valid(g)) for g in q], dtype=object)
    u = to_grid(units, unit, origin, False)
    tol = tolerance(to_grid(source, unit, origin, False))
    area_units = float(shapely.area(u).sum())
    union_units = polygonal_part(shapely.union_all(u, grid_size=1))
    if abs(area_units - union_units.area) > tol:
        fails.append(f"overlap: units area {area_units:.6g} but their union {union_units.area:.6g} (tolerance {tol:.3g}, grid units)")
    union_in = polygonal_part(shapely.union_all(q, grid_size=1))
    filled = enclosed_filled(union_in, q, 1)
    beyond = shapely.difference(union_units, filled, grid_size=1).area
    missing = polygonal_part(shapely.difference(filled, union_units, grid_size=1))
    # where the snap-rounded overlay and the engine disagree, floating point GEOS decides at points well
    # inside the region, and where GEOS disagrees with the engine, the exact arrangement (tests.fuzz.exact)
    enclosed = enclosed_faces(q)
    truth = _Exact(to_grid(source, unit, origin, True), keys)
    outside = []

    def near_outside(part) -> bool:
        """Within two grid steps of the outside (floating point GEOS): snap rounding may collapse material
        thinner than a pixel there, its sides cancelling, and what it closed off then reaches the outside."""
        if not outside:
            filled_float = shapely.union_all([shapely.union_all(q), *enclosed])
            outside.append(shapely.difference(shapely.box(*shapely.bounds(filled_float)).buffer(10), filled_float))
        return shapely.distance(part, outside[0]) < 2.0

    thin, wrong_missing = 0.0, []
    for part, centre in fat_parts(missing, thin_width=4.0):
        if centre is None:
            thin += part.area
        elif (inside_any(q, centre) or inside_any(enclosed, centre)) and truth.filled(centre) and not near_outside(part):
            wrong_missing.append(part)
    if beyond > tol or thin > tol or wrong_missing:
        fails.append(f"outline: the units cover {beyond:.6g} beyond the input's filled union and miss {thin:.6g} of it in slivers "
                     f"and {len(wrong_missing)} enclosed regions {sum(p.area for p in wrong_missing):.6g} (tolerance {tol:.3g} grid units^2)")
    gap_geoms = to_grid(out.repairs[out.repairs["kind"] == "gap"].geometry.to_numpy(), unit, origin, False)
    wrong = [part for g in gap_geoms for part, centre in fat_parts(g, thin_width=4.0)
             if centre is not None and not inside_any(q, centre) and not inside_any(enclosed, centre) and not truth.filled(centre)]
    if wrong:
        fails.append(f"open filled: {len(wrong)} regions open to the outside were filled, {sum(p.area for p in wrong):.6g} "
                     f"grid units^2, e.g. near {wrong[0].representative_point()}")
    if out.stats.get("open_gaps"):  # what the engine left outside must be open, exactly
        opened = to_grid(open_regions(source, keys, geographic), unit, origin, False)
        shut = [part for g in opened for part, centre in fat_parts(g, thin_width=4.0) if centre is not None and truth.filled(centre)]
        if shut:
            fails.append(f"open: {len(shut)} regions left outside are enclosed, {sum(p.area for p in shut):.6g} grid units^2, "
                         f"e.g. near {shut[0].representative_point()}")
    gap_area = float(shapely.area(gap_geoms).sum()) if len(gap_geoms) else 0.0
    if abs(area_units - union_in.area - gap_area) > tol:
        fails.append(f"accounting: units {area_units:.6g} != input union {union_in.area:.6g} + gaps filled {gap_area:.6g} "
                     f"(tolerance {tol:.3g})")
    by_key = {str(k): g for k, g in zip(out.units.index, u)}
    skeys = keys.astype(str)
    for key in np.unique(skeys):
        mine = skeys == key
        own = polygonal_part(shapely.union_all(q[mine], grid_size=1))
        if (~mine).any():
            own = polygonal_part(shapely.difference(own, polygonal_part(shapely.union_all(q[~mine], grid_size=1)), grid_size=1))
        if own.area <= tol:
            continue
        if key not in by_key:
            fails.append(f"own: group {key} has {own.area:.6g} of its own but no unit")
            continue
        lost = shapely.difference(own, by_key[key], grid_size=1).area
        if lost > tol:
            fails.append(f"own: group {key} lost {lost:.6g} of its own area (tolerance {tol:.3g})")
    return fails
