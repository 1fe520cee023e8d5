"""An exact arrangement in plain Python, to settle what floating point GEOS cannot: is a point enclosed?

Snap rounding closes channels narrower than a grid step, and the engine tells
such channels apart exactly; floating point GEOS sees most of them but loses
some (its overlay falls back to snapping when noding fails). Where the engine
and GEOS disagree about a region, this module decides, on the same integer
input: every ring's segments are noded at their exact (rational) crossings,
segments whose contributions cancel within a group are dropped (they bound
nothing), the faces of the planar graph are traced, and a point lies in an
enclosed region when a bounded face (a cycle of positive area) contains it.
Slow (Fractions), and only called for the few disagreements.

>>> box = [[(0, 0), (4, 0), (4, 4), (0, 4), (0, 0)]]
>>> frame = Arrangement([(box[0], 0, 1), ([(1, 1), (3, 1), (3, 3), (1, 3), (1, 1)], 0, -1)])
>>> frame.enclosed((2, 2)), frame.enclosed((5, 5))
(True, False)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import shapely


def _cross(ax, ay, bx, by):
    return ax * by - ay * bx


def _on_segment(p, a, b):
    """Is p on the closed segment a-b (exact)?"""
    if _cross(b[0] - a[0], b[1] - a[1], p[0] - a[0], p[1] - a[1]) != 0:
        return False
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _intersections(a, b, c, d):
    """Points where segments a-b and c-d meet (exact; endpoints of one on the other included)."""
    r = (b[0] - a[0], b[1] - a[1])
    s = (d[0] - c[0], d[1] - c[1])
    den = _cross(r[0], r[1], s[0], s[1])
    if den == 0:  # parallel: collinear overlaps meet at the endpoints lying on the other segment
        return [p for p in (a, b, c, d) if (p in (a, b) and _on_segment(p, c, d)) or (p in (c, d) and _on_segment(p, a, b))]
    t = Fraction(_cross(c[0] - a[0], c[1] - a[1], s[0], s[1]), den)
    u = Fraction(_cross(c[0] - a[0], c[1] - a[1], r[0], r[1]), den)
    if 0 <= t <= 1 and 0 <= u <= 1:
        return [(a[0] + t * r[0], a[1] + t * r[1])]
    return []


class Arrangement:
    """The planar graph of rings given as ``(points, group, sign)``: integer points, closed; sign +1 when
    the interior lies to the left of the ring's direction (counter-clockwise shells, clockwise holes)."""

    def __init__(self, rings):
        contrib = {}
        for points, group, sign in rings:
            pts = [tuple(int(v) for v in p) for p in points]
            for p, q in zip(pts[:-1], pts[1:]):
                if p == q:
                    continue
                key, w = ((p, q), sign) if p < q else ((q, p), -sign)
                groups = contrib.setdefault(key, {})
                groups[group] = groups.get(group, 0) + w
        segs = [(k, {g: w for g, w in v.items() if w}) for k, v in contrib.items()]
        segs = [(k, v) for k, v in segs if v]
        ends = np.array([[a[0], a[1], b[0], b[1]] for (a, b), _ in segs], dtype=float).reshape(-1, 4)
        lo = np.minimum(ends[:, :2], ends[:, 2:])
        hi = np.maximum(ends[:, :2], ends[:, 2:])
        cuts = [set() for _ in segs]
        for i, ((a, b), _) in enumerate(segs):
            near = np.flatnonzero((lo[:, 0] <= hi[i, 0]) & (hi[:, 0] >= lo[i, 0]) & (lo[:, 1] <= hi[i, 1]) & (hi[:, 1] >= lo[i, 1]))
            for j in near[near > i]:
                c, d = segs[j][0]
                for p in _intersections(a, b, c, d):
                    cuts[i].add(p)
                    cuts[j].add(p)
        edges = {}
        for ((a, b), groups), points in zip(segs, cuts):
            dx, dy = b[0] - a[0], b[1] - a[1]
            along = sorted({a, b, *points}, key=lambda p: (p[0] - a[0]) * dx + (p[1] - a[1]) * dy)
            for p, q in zip(along[:-1], along[1:]):
                key, sign = ((p, q), 1) if p < q else ((q, p), -1)
                acc = edges.setdefault(key, {})
                for g, w in groups.items():
                    acc[g] = acc.get(g, 0) + sign * w
        self.edges = [k for k, v in edges.items() if any(v.values())]
        self._cycles()

    def _cycles(self):
        out = {}
        for a, b in self.edges:
            out.setdefault(a, []).append(b)
            out.setdefault(b, []).append(a)
        for v, ns in out.items():
            ns.sort(key=lambda w: _angle_key_frac(w[0] - v[0], w[1] - v[1]))
        position = {(v, w): k for v, ns in out.items() for k, w in enumerate(ns)}
        seen, self.cycles = set(), []
        for v, ns in out.items():
            for w in ns:
                if (v, w) in seen:
                    continue
                cycle, h = [], (v, w)
                while h not in seen:
                    seen.add(h)
                    cycle.append(h[0])
                    a, b = h
                    around = out[b]
                    h = (b, around[(position[(b, a)] - 1) % len(around)])  # next around the face on the left
                area = sum(p[0] * q[1] - q[0] * p[1] for p, q in zip(cycle, cycle[1:] + cycle[:1]))
                self.cycles.append((cycle, area))

    def enclosed(self, point) -> bool:
        """Does a bounded face of the arrangement contain the point (given exactly, not on an edge)?"""
        x, y = Fraction(point[0]), Fraction(point[1])
        for cycle, area in self.cycles:
            if area > 0 and _inside(cycle, x, y):
                return True
        return False


def _angle_key_frac(dx, dy):
    half = 0 if (dy > 0 or (dy == 0 and dx > 0)) else 1
    return _Dir(half, dx, dy)


class _Dir:
    """Counter-clockwise order of directions, exact."""

    __slots__ = ("half", "dx", "dy")

    def __init__(self, half, dx, dy):
        self.half, self.dx, self.dy = half, dx, dy

    def __lt__(self, other):
        if self.half != other.half:
            return self.half < other.half
        return _cross(self.dx, self.dy, other.dx, other.dy) > 0


def _inside(cycle, x, y) -> bool:
    """Even-odd test of the point against a closed cycle of points (exact)."""
    inside = False
    n = len(cycle)
    for k in range(n):
        (ax, ay), (bx, by) = cycle[k], cycle[(k + 1) % n]
        if (ay > y) != (by > y):
            xc = ax + (y - ay) * (bx - ax) / (by - ay)
            if xc > x:
                inside = not inside
    return inside


def rings_of(geoms, groups) -> list:
    """Rings ``(points, group, sign)`` of integer-coordinate polygons, as the engine reads them: the sign
    from each ring's orientation and whether it is a hole (a ring of no area counts as counter-clockwise)."""
    rings = []
    for g, group in zip(geoms, groups):
        for part in shapely.get_parts(g):
            for k, ring in enumerate(shapely.get_rings(part)):
                pts = [(int(x), int(y)) for x, y in shapely.get_coordinates(ring)]
                area = sum(p[0] * q[1] - q[0] * p[1] for p, q in zip(pts[:-1], pts[1:]))
                rings.append((pts, group, 1 if (area >= 0) != (k > 0) else -1))
    return rings


def covered(rings, point) -> bool:
    """Does some group wind around the point (nonzero winding, exact; the point on no ring)?"""
    x, y = Fraction(point[0]), Fraction(point[1])
    winding = {}
    for points, group, sign in rings:
        for (ax, ay), (bx, by) in zip(points[:-1], points[1:]):
            if (ay > y) != (by > y) and ax + (y - ay) * Fraction(bx - ax, by - ay) > x:
                winding[group] = winding.get(group, 0) + (sign if by > ay else -sign)
    return any(winding.values())
