"""Random layers for the engine's differential fuzzer: one case per seed, the same on every machine.

A case is a handful of polygons (3 to about 40) with a group key each, drawn
from one of the families below, then perhaps moved to an extreme place and
scale. The families aim at what breaks planar arrangements:

- ``coverage``: a Voronoi or grid partition, every cell digitised on its own
  (edges densified, vertices jittered from nothing to a few percent of a cell,
  sub-grid jitter included), some cells left out: gaps, overlaps, slivers;
- ``overlap``: convex polygons, boxes, stars (some self-crossing, hence
  invalid), thin triangles, of very different sizes;
- ``near``: near-coincident and near-collinear edges: copies shifted by
  1e-12 to 1e-6 of the extent (below and around the grid), edges split by
  vertices a few ulps off the line, zero-area polygons of collinear vertices
  beside thin triangles (the ``engine_overflow`` reproducer's shape);
- ``duplicates``: exact copies under the same and under other keys;
- ``holes``: polygons with holes, enclaves filling a hole exactly or nearly,
  holes touching their shell at a point, nested islands;
- ``touching``: polygons meeting at single points and along shared edges;
- ``boxes``: integer boxes (shared, collinear and touching edges everywhere);
- ``geographic``: lon/lat near the poles and the antimeridian (border
  lengths shrink with the latitude), coordinates on 180 and 90 exactly.

Placements: as drawn (extent about 10), tiny features at huge coordinates
(1e7, the ``engine_inconsistent`` reproducer), projected metres (1e5 to 1e6),
a tiny layer (1e-6 wide), a huge one (1e9 wide).

>>> case = make_case(7)
>>> case.name.split(",")[0] in FAMILIES, len(case.geoms) == len(case.keys) > 0
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

FAMILIES = ("coverage", "overlap", "near", "duplicates", "holes", "touching", "boxes", "geographic")
PLACES = ("as drawn", "huge offset", "projected", "tiny", "huge")


@dataclass
class Case:
    """One fuzz case: polygons (``geoms``, object array), ``keys`` (str), ``geographic``, ``name``."""

    seed: int
    name: str
    geoms: np.ndarray
    keys: np.ndarray
    geographic: bool = False


def _valid_part(g):
    return [p for p in shapely.get_parts(shapely.make_valid(g)) if p.geom_type == "Polygon" and p.area > 0]


def _densify_jitter(rng, poly, jitter, k):
    """The shell of ``poly`` with k - 1 vertices added on each edge, every vertex moved by ``jitter``."""
    xy = shapely.get_coordinates(poly.exterior)[:-1]
    t = np.linspace(0, 1, k, endpoint=False)
    pts = (xy[:, None, :] + (np.roll(xy, -1, axis=0) - xy)[:, None, :] * t[None, :, None]).reshape(-1, 2)
    if jitter:
        pts = pts + rng.normal(size=pts.shape) * jitter
    return shapely.Polygon(pts)


def coverage(rng):
    n = int(rng.integers(3, 30))
    if rng.random() < 0.5:
        cells = list(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform(0, 10, (n, 2))),
                                                                extend_to=shapely.box(0, 0, 10, 10))))
        cells = [c.intersection(shapely.box(0, 0, 10, 10)) for c in cells]
    else:
        k = int(rng.integers(2, 6))
        cells = [shapely.box(i * 10 / k, j * 10 / k, (i + 1) * 10 / k, (j + 1) * 10 / k) for i in range(k) for j in range(k)]
    jitter = float(rng.choice([0, 1e-13, 1e-11, 1e-9, 1e-6, 1e-3, 0.05]))
    dens = int(rng.integers(1, 4))
    out = []
    for c in cells:
        if c.is_empty or c.geom_type != "Polygon" or rng.random() < 0.1:
            continue
        g = _densify_jitter(rng, c, jitter, dens)
        out.extend([g] if rng.random() < 0.2 else _valid_part(g))  # some invalid ones reach the engine as they are
    return out


def overlap(rng):
    out = []
    for _ in range(int(rng.integers(2, 14))):
        c, r = rng.uniform(0, 10, 2), float(10 ** rng.uniform(-3, 0.7))
        kind = rng.integers(0, 4)
        if kind == 0:
            out.append(shapely.convex_hull(shapely.multipoints(c + r * rng.normal(size=(8, 2)))))
        elif kind == 1:
            out.append(shapely.box(*(c - r * rng.random(2)), *(c + r * rng.random(2) + 1e-9)))
        elif kind == 2:  # star, self-crossing when the angles are shuffled
            a = np.sort(rng.uniform(0, 2 * np.pi, 12))
            if rng.random() < 0.3:
                rng.shuffle(a)
            out.append(shapely.Polygon(c + np.column_stack([np.cos(a), np.sin(a)]) * r * rng.uniform(0.2, 1, (12, 1))))
        else:  # a thin triangle
            d = rng.normal(size=2)
            out.append(shapely.Polygon([c, c + d * r, c + d * r + rng.normal(size=2) * r * 10 ** rng.uniform(-12, -2)]))
    return [g for g in out if g.is_valid or rng.random() < 0.5]


def near(rng):
    base = coverage(rng) if rng.random() < 0.5 else overlap(rng)
    base = [g for g in base if g.is_valid and g.area > 0] or [shapely.box(0, 0, 1, 1)]
    out = list(base)
    for g in base[: int(rng.integers(1, 6))]:
        shift = rng.normal(size=2) * 10 * 10 ** rng.uniform(-16, -6)
        out.append(shapely.affinity.translate(g, *shift))
    if rng.random() < 0.5:  # an edge split by near-collinear vertices (a few ulps off the line)
        g = out[int(rng.integers(0, len(out)))]
        xy = shapely.get_coordinates(g.exterior)
        a, b = xy[0], xy[1]
        t = np.sort(rng.random(int(rng.integers(5, 70))))
        mid = a + (b - a) * t[:, None]
        mid = mid + rng.integers(-3, 4, mid.shape) * np.spacing(np.abs(mid).max() + 1)
        out.append(shapely.Polygon(np.vstack([a, mid, b, xy[2:-1]])))
    if rng.random() < 0.4:  # a zero-area polygon of collinear vertices beside a thin triangle
        a, d = rng.uniform(0, 10, 2), rng.normal(size=2)
        t = np.concatenate([np.sort(rng.random(int(rng.integers(4, 65)))), [0.5]])
        line = a + d * t[:, None]
        out.append(shapely.Polygon(np.vstack([line, line[::-1]])))
        off = rng.normal(size=2) * 10 ** rng.uniform(-13, -8)
        out.append(shapely.Polygon([a + off, a + d + off, a + d * 0.5 + rng.normal(size=2) * 1e-3]))
    return out


def duplicates(rng):
    base = coverage(rng) if rng.random() < 0.5 else overlap(rng)
    base = [g for g in base if g.area > 0] or [shapely.box(0, 0, 1, 1)]
    return base + [base[int(i)] for i in rng.integers(0, len(base), int(rng.integers(1, 6)))]


def holes(rng):
    out = []
    for _ in range(int(rng.integers(1, 5))):
        c, r = rng.uniform(0, 10, 2), rng.uniform(1, 4)
        shell = shapely.box(*(c - r), *(c + r))
        hole = shapely.box(*(c - r * rng.uniform(0.1, 0.8, 2)), *(c + r * rng.uniform(0.1, 0.8, 2)))
        if rng.random() < 0.3:  # the hole touches the shell at a point
            hx = shapely.get_coordinates(hole.exterior)[:-1]
            hx[0] = (c[0] - r, hx[0][1]) if rng.random() < 0.5 else hx[0]
            hole = shapely.Polygon(hx)
        poly = shapely.Polygon(shell.exterior, [hole.exterior]) if hole.is_valid else shell
        out.append(poly if poly.is_valid else shell)
        fill = rng.random()
        if fill < 0.4:  # the enclave, exactly
            out.append(hole)
        elif fill < 0.7:  # nearly
            out.append(shapely.affinity.scale(hole, 1 + rng.normal() * 10 ** rng.uniform(-12, -3), 1 + rng.normal() * 1e-6))
        if rng.random() < 0.3:  # an island inside the hole
            out.append(shapely.affinity.scale(hole, 0.3, 0.3))
    return out


def touching(rng):
    out = []
    s = float(rng.uniform(0.5, 2))
    for x, y in rng.integers(0, 6, (int(rng.integers(3, 12)), 2)):
        if rng.random() < 0.5:  # diamonds meet at corners
            out.append(shapely.Polygon([(x * s, y * s - s / 2), (x * s + s / 2, y * s), (x * s, y * s + s / 2), (x * s - s / 2, y * s)]))
        else:
            out.append(shapely.box(x * s, y * s, (x + 1) * s, (y + 1) * s))
    return out


def boxes(rng):
    return [shapely.box(*xy, *(xy + rng.integers(1, 5, 2))) for xy in rng.integers(0, 10, (int(rng.integers(2, 14)), 2))]


def geographic(rng):
    """Lon/lat near a pole or the antimeridian: a family drawn at extent 10, squeezed into place."""
    family = [coverage, overlap, near, holes, boxes][int(rng.integers(0, 5))]
    geoms = family(rng)
    where = rng.integers(0, 4)
    if where == 0:  # up to the north pole, lat 90 exactly on the edge
        lo, la = (rng.uniform(-180, 170), 80.0)
    elif where == 1:
        lo, la = (rng.uniform(-180, 170), -90.0)
    elif where == 2:  # up to the antimeridian, lon 180 exactly on the edge
        lo, la = (170.0, rng.uniform(-80, 70))
    else:
        lo, la = (-180.0, rng.uniform(-80, 70))
    size = float(10 ** rng.uniform(-5, 0))
    return [shapely.affinity.affine_transform(g, [size, 0, 0, size, lo, la]) for g in geoms]


def place(rng, geoms):
    """Move a case to an extreme place or scale; returns the new geometries and the placement's name."""
    name = PLACES[int(rng.integers(0, len(PLACES)))] if rng.random() < 0.4 else "as drawn"
    if name == "huge offset":  # features about 1e-6 wide at 1e7
        m = [1e-7, 0, 0, 1e-7, 1e7, 1e7]
    elif name == "projected":
        s = float(rng.uniform(1e3, 1e5))
        m = [s, 0, 0, s, float(rng.uniform(1e5, 1e6)), float(rng.uniform(1e6, 2e6))]
    elif name == "tiny":
        m = [1e-7, 0, 0, 1e-7, 0.5, -0.25]
    elif name == "huge":
        m = [1e8, 0, 0, 1e8, -5e8, 3e8]
    else:
        return geoms, name
    return [shapely.affinity.affine_transform(g, m) for g in geoms], name


def make_case(seed: int) -> Case:
    """The case of this seed (a family, a placement, keys)."""
    rng = np.random.default_rng(seed)
    family = FAMILIES[int(rng.integers(0, len(FAMILIES)))]
    geoms = [g for g in globals()[family](rng) if g is not None and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon")]
    geographic_ = family == "geographic"
    placement = "in place"
    if not geographic_:
        geoms, placement = place(rng, geoms)
    n_groups = max(1, int(rng.integers(1, max(2, len(geoms)))))
    keys = np.array([f"k{int(k)}" for k in rng.integers(0, n_groups, len(geoms))], dtype=object)
    return Case(seed, f"{family}, {placement}", np.array(geoms, dtype=object), keys, geographic_)
