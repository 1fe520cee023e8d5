"""Compact topological encoding of polygons for the review map.

Polygons are quantized to a grid (``10**-precision`` degrees), their rings
are cut into arcs at junctions (points where the set of neighbouring
rings changes) and every arc is stored once, so a boundary shared by two
communes, or by a commune and its province, costs nothing the second time.
Arcs are delta-encoded, zigzag varint packed and base64 encoded; the map's
JavaScript (``map_assets/review.js``, ``decodeArcs``) decodes them.

Layout of the decoded integer stream::

    n_arcs, then per arc: n_points, dx0, dy0, dx1, dy1, ...

where the deltas run over the whole stream (the cursor is not reset
between arcs) and ``x, y`` are grid units: ``lon = x * 10**-precision``.
A geometry is a list of polygons, a polygon a list of rings, a ring a list
of arc references: ``i`` for arc *i*, ``-(i + 1)`` for arc *i* reversed.

Examples
--------
>>> from shapely import box
>>> topo = encode_topology([[box(0, 0, 1, 1), box(1, 0, 2, 1)]], precision=4)
>>> topo["n_arcs"], [len(g[0][0]) for g in topo["groups"][0]]
(3, [2, 2])
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import shapely

__all__ = ["encode_topology", "decode_topology", "varint_b64", "decode_varint_b64"]


def varint_b64(values: np.ndarray) -> str:
    """Zigzag-varint pack signed integers and return them base64 encoded.

    Examples
    --------
    >>> decode_varint_b64(varint_b64(np.array([0, -1, 1, 300, -70000])))
    [0, -1, 1, 300, -70000]
    """
    v = np.asarray(values, dtype=np.int64)
    u = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    nb = np.ones(len(u), dtype=np.int64)
    for k in range(1, 10):
        big = u >= np.uint64(1 << (7 * k))
        if not big.any():
            break
        nb += big
    start = np.cumsum(nb) - nb
    out = np.zeros(int(nb.sum()), dtype=np.uint8)
    for k in range(int(nb.max()) if len(nb) else 0):
        m = nb > k
        byte = (u[m] >> np.uint64(7 * k)) & np.uint64(0x7F)
        byte = byte | np.where(nb[m] > k + 1, np.uint64(0x80), np.uint64(0))
        out[start[m] + k] = byte.astype(np.uint8)
    return base64.b64encode(out.tobytes()).decode("ascii")


def decode_varint_b64(text: str) -> list[int]:
    """Inverse of :func:`varint_b64` (slow, for tests).

    >>> decode_varint_b64(varint_b64([3, -2, 0]))
    [3, -2, 0]
    """
    data = base64.b64decode(text)
    out, u, shift = [], 0, 0
    for c in data:
        u |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            out.append(u >> 1 if u % 2 == 0 else -((u + 1) >> 1))
            u, shift = 0, 0
    return out


def _quantized_rings(geoms: np.ndarray, scale: float):
    """Quantize the rings of polygonal geometries.

    Returns ``(pts, lens, ring_geom, ring_part)``: the int64 points of all
    kept rings (closing point and consecutive duplicates removed), the
    length of each ring, and for each ring the index of its geometry and of
    its polygon part (rings of a part are consecutive, exterior first).
    Rings with fewer than 3 distinct points are dropped, and so is a part
    whose exterior is dropped.
    """
    empty = (np.zeros((0, 2), np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    if len(geoms) == 0:
        return empty
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    poly = shapely.get_type_id(parts) == 3
    parts, part_geom = parts[poly], part_geom[poly]
    if len(parts) == 0:
        return empty
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    q = np.rint(coords * scale).astype(np.int64)
    n_rings = len(rings)

    def counts(r):
        return np.bincount(r, minlength=n_rings)

    # drop the closing point of every ring
    cnt = counts(coord_ring)
    last = (np.cumsum(cnt) - 1)[cnt > 0]
    keep = np.ones(len(q), dtype=bool)
    keep[last] = False
    q, coord_ring = q[keep], coord_ring[keep]
    # consecutive duplicates (created by quantization)
    dup = np.zeros(len(q), dtype=bool)
    dup[1:] = np.all(q[1:] == q[:-1], axis=1) & (coord_ring[1:] == coord_ring[:-1])
    q, coord_ring = q[~dup], coord_ring[~dup]
    # last point equal to the first one
    cnt = counts(coord_ring)
    first = np.cumsum(cnt) - cnt
    has2 = cnt >= 2
    wrap = np.zeros(n_rings, dtype=bool)
    wrap[has2] = np.all(q[first[has2]] == q[first[has2] + cnt[has2] - 1], axis=1)
    drop = np.zeros(len(q), dtype=bool)
    drop[(first + cnt - 1)[wrap]] = True
    q, coord_ring = q[~drop], coord_ring[~drop]
    # degenerate rings, and parts whose exterior is degenerate
    cnt = counts(coord_ring)
    valid = cnt >= 3
    is_ext = np.ones(n_rings, dtype=bool)
    is_ext[1:] = ring_part[1:] != ring_part[:-1]
    part_ok = np.zeros(len(parts), dtype=bool)
    part_ok[ring_part[is_ext]] = valid[is_ext]
    ring_keep = valid & part_ok[ring_part]
    pkeep = ring_keep[coord_ring]
    return q[pkeep], cnt[ring_keep], part_geom[ring_part[ring_keep]], ring_part[ring_keep]


def _junctions(pid: np.ndarray, lens: np.ndarray, n_pts: int) -> np.ndarray:
    """Mask of the points (by id) seen with more than one pair of neighbours."""
    ends = np.cumsum(lens)
    starts = ends - lens
    idx = np.arange(len(pid))
    prev_i = idx - 1
    prev_i[starts] = ends - 1
    next_i = idx + 1
    next_i[ends - 1] = starts
    a, b = pid[prev_i], pid[next_i]
    pair = np.minimum(a, b) * n_pts + np.maximum(a, b)
    order = np.lexsort((pair, pid))
    sp, spair = pid[order], pair[order]
    new_pair = np.ones(len(sp), dtype=bool)
    new_pair[1:] = (sp[1:] != sp[:-1]) | (spair[1:] != spair[:-1])
    return np.bincount(sp[new_pair], minlength=n_pts) > 1


def _cut_rings(pid: np.ndarray, lens: np.ndarray, junction: np.ndarray):
    """Every ring rotated to start at a cut point (a junction, or its smallest point when it
    has none) and closed; the positions of its cuts, and the ring of each."""
    n_rings = len(lens)
    ends = np.cumsum(lens)
    starts = ends - lens
    ring_of = np.repeat(np.arange(n_rings), lens)
    cut = junction[pid]
    has_cut = np.add.reduceat(cut.astype(np.int64), starts) > 0
    local = np.arange(len(pid)) - starts[ring_of]
    big = np.iinfo(np.int64).max
    first_cut = np.minimum.reduceat(np.where(cut, local, big), starts)
    ring_min = np.minimum.reduceat(pid, starts)
    at_min = (pid == ring_min[ring_of]) & ~has_cut[ring_of]
    first_min = np.minimum.reduceat(np.where(at_min, local, big), starts)
    cut |= at_min & (local == first_min[ring_of])
    offset = np.where(has_cut, first_cut, first_min)
    cstart = starts + np.arange(n_rings)
    closed = np.empty(len(pid) + n_rings, dtype=np.int64)
    closed_cut = np.zeros(len(closed), dtype=bool)
    pos = cstart[ring_of] + (local - offset[ring_of]) % lens[ring_of]
    closed[pos] = pid
    closed_cut[pos] = cut
    closed[cstart + lens] = closed[cstart]
    closed_cut[cstart + lens] = True
    cpos = np.flatnonzero(closed_cut)
    return closed, cpos, np.repeat(np.arange(n_rings), lens + 1)[cpos]


def _point_ids(pts: np.ndarray) -> tuple[np.ndarray, int]:
    """An id per distinct point, and their number."""
    key = (pts[:, 0] << 32) ^ (pts[:, 1] & 0xFFFFFFFF)
    uniq, pid = np.unique(key, return_inverse=True)
    return pid.astype(np.int64).ravel(), len(uniq)


def _shared_arcs(pts: np.ndarray, lens: np.ndarray, pid: np.ndarray, n_unique: int):
    """Arcs between junctions, each stored once: (ring of each arc occurrence, its reference,
    the number of points of each stored arc, their points)."""
    uniq = np.arange(n_unique)
    pxy = np.empty((len(uniq), 2), dtype=np.int64)
    pxy[pid] = pts
    closed, cpos, cring = _cut_rings(pid, lens, _junctions(pid, lens, len(uniq)))
    same = cring[1:] == cring[:-1]
    arc_a, arc_b = cpos[:-1][same], cpos[1:][same]  # inclusive ends
    # canonical direction and identity of each arc occurrence
    f0, f1 = closed[arc_a], closed[arc_a + 1]
    r0, r1 = closed[arc_b], closed[arc_b - 1]
    fwd = (f0 < r0) | ((f0 == r0) & (f1 <= r1))
    arc_key = np.where(fwd, f0, r0) * len(uniq) + np.where(fwd, f1, r1)
    _, rep, arc_id = np.unique(arc_key, return_index=True, return_inverse=True)
    arc_id = arc_id.ravel()
    refs = np.where(fwd, arc_id, -arc_id - 1)
    ra, rb, rf = arc_a[rep], arc_b[rep], fwd[rep]
    arc_lens = rb - ra + 1
    within = np.arange(arc_lens.sum()) - np.repeat(np.cumsum(arc_lens) - arc_lens, arc_lens)
    sel = np.where(np.repeat(rf, arc_lens), np.repeat(ra, arc_lens) + within, np.repeat(rb, arc_lens) - within)
    return cring[:-1][same], refs, arc_lens, pxy[closed[sel]]


def _ring_arcs(pts: np.ndarray, lens: np.ndarray):
    """Each ring one closed arc, as it is (for polygons that share no boundary: no junction
    search); the same four arrays as :func:`_shared_arcs`."""
    n_rings = len(lens)
    starts = np.cumsum(lens) - lens
    out = np.empty((len(pts) + n_rings, 2), dtype=np.int64)
    first = starts + np.arange(n_rings)
    keep = np.ones(len(out), dtype=bool)
    keep[first + lens] = False
    out[keep] = pts
    out[first + lens] = pts[starts]
    ring = np.arange(n_rings)
    return ring, ring, lens + 1, out


def _references(ring_geom: np.ndarray, ring_part: np.ndarray, occ_ring: np.ndarray, refs: np.ndarray,
                n_geoms: int) -> list:
    """Arc references per geometry: polygons of rings of arc references, or the one reference of
    a geometry that is one ring of one arc (most repairs, many old units), [] for none."""
    bounds = np.searchsorted(occ_ring, np.arange(len(ring_geom) + 1))
    per_geom: list = [[] for _ in range(n_geoms)]
    simple = (np.bincount(ring_geom, minlength=n_geoms)[ring_geom] == 1) & (np.diff(bounds) == 1)
    for g, ref in zip(ring_geom[simple].tolist(), refs[bounds[:-1][simple]].tolist()):
        per_geom[g] = ref
    ref_list, starts = refs.tolist(), bounds.tolist()
    last_part, polygon = -1, []
    for r in np.flatnonzero(~simple).tolist():
        if ring_part[r] != last_part:
            last_part, polygon = ring_part[r], []
            per_geom[ring_geom[r]].append(polygon)
        polygon.append(ref_list[starts[r]:starts[r + 1]])
    return per_geom


def _stream(arc_lens: np.ndarray, points: np.ndarray) -> str:
    """The encoded integer stream: n_arcs, then per arc n_points and the deltas."""
    n_arcs = len(arc_lens)
    deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    stream = np.empty(1 + n_arcs + 2 * len(points), dtype=np.int64)
    stream[0] = n_arcs
    len_pos = 1 + 2 * (np.cumsum(arc_lens) - arc_lens) + np.arange(n_arcs)
    stream[len_pos] = arc_lens
    mask = np.ones(len(stream), dtype=bool)
    mask[0] = False
    mask[len_pos] = False
    stream[mask] = deltas.reshape(-1)
    return varint_b64(stream)


# shared="auto": share arcs when at least this share of the points repeat. In a clean coverage
# about half of them do (every inner boundary is in two rings: the national communes, 49 %); in
# the c.2013 communes, digitised apart, 36 % do, scattered, and sharing made the stream 12 % larger.
SHARED_MIN = 0.4


def encode_topology(groups: Sequence[Sequence], precision: int = 5, shared: bool | str = True) -> dict:
    """Encode groups of polygonal geometries with shared arcs.

    Parameters
    ----------
    groups : sequence of sequences of shapely geometries
        E.g. ``[units, provinces, old]``. Non-polygonal parts are ignored,
        an empty or missing geometry becomes ``[]``.
    precision : int
        Decimal places kept (5 is ~1 m, 4 is ~11 m at the equator).
    shared : bool or "auto"
        False for polygons that share no boundary (the repairs of a merge):
        each ring is one arc, and no time goes into looking for junctions.
        "auto": shared when at least ``SHARED_MIN`` of the points repeat (a
        layer whose neighbours were digitised apart shares almost none).

    Returns
    -------
    dict
        ``{"precision", "arcs" (base64 varints), "n_arcs", "n_points",
        "groups": [[geometry refs per feature] per group]}``; a geometry that
        is one ring of one arc is that arc's reference alone.

    Notes
    -----
    Arcs run between junctions. An arc is identified by its first two
    points: past a non-junction point there is only one way on, so two rings
    that leave a junction along the same edge follow the same arc to the next
    junction. A ring without junctions is one closed arc starting at its
    smallest point. Everything is vectorized; the cost is a few sorts.

    Examples
    --------
    >>> from shapely import box
    >>> t = encode_topology([[box(0, 0, 1, 1)]], precision=0)
    >>> decode_varint_b64(t["arcs"])[:2]  # one arc of 5 points (closed ring)
    [1, 5]
    >>> decode_topology(t)[0][0][0][0][:2]
    [(0.0, 0.0), (1.0, 0.0)]
    >>> encode_topology([[box(0, 0, 1, 1), box(2, 0, 3, 1)]], 0, shared="auto")["n_points"]  # nothing repeats
    10
    >>> decode_topology(encode_topology([[box(0, 0, 1, 1)]], 0, shared=False))[0][0][0][0][:2]  # as it is
    [(1.0, 0.0), (1.0, 1.0)]
    >>> encode_topology([[box(0, 0, 1, 1), box(2, 0, 3, 1)]], 0)["groups"]  # one ring of one arc: its reference
    [[-1, -2]]
    """
    sizes = [len(g) for g in groups]
    geoms = np.empty(sum(sizes), dtype=object)
    if len(geoms):
        geoms[:] = [g for grp in groups for g in grp]
    pts, lens, ring_geom, ring_part = _quantized_rings(geoms, 10.0**precision)
    if len(lens) and shared:
        pid, n_unique = _point_ids(pts)
        shared = shared is True or n_unique <= (1 - SHARED_MIN) * len(pts)
    if len(lens):
        occ_ring, refs, arc_lens, points = _shared_arcs(pts, lens, pid, n_unique) if shared else _ring_arcs(pts, lens)
    else:
        occ_ring = refs = arc_lens = np.zeros(0, np.int64)
        points = np.zeros((0, 2), np.int64)
    per_geom = _references(ring_geom, ring_part, occ_ring, refs, len(geoms))
    groups_out = [per_geom[at - n:at] for at, n in zip(np.cumsum(sizes).tolist(), sizes)]
    return {"precision": precision, "arcs": _stream(arc_lens, points), "n_arcs": int(len(arc_lens)),
            "n_points": int(len(points)), "groups": groups_out}


def decode_topology(topo: dict) -> list:
    """Decode :func:`encode_topology` output back to coordinate rings.

    Returns ``[[[[ (x, y), ... ] per ring] per polygon] per feature] per group``
    with closed rings. Slow, pure Python; for tests and debugging.

    >>> decode_topology(encode_topology(groups))[0][0][0][0][:2]  # doctest: +SKIP
    [(105.0, 10.0), (105.0, 10.1)]
    """
    ints = decode_varint_b64(topo["arcs"]) if topo["arcs"] else [0]
    scale = 10.0 ** -topo["precision"]
    arcs, i, x, y = [], 1, 0, 0
    for _ in range(ints[0]):
        n = ints[i]
        i += 1
        arc = []
        for _ in range(n):
            x += ints[i]
            y += ints[i + 1]
            i += 2
            arc.append((x * scale, y * scale))
        arcs.append(arc)

    def ring(refs):
        out = []
        for r in refs:
            a = arcs[r] if r >= 0 else arcs[~r][::-1]
            out.extend(a if not out else a[1:])
        return out

    return [
        [[[ring(refs) for refs in poly] for poly in ([[[geom]]] if isinstance(geom, int) else geom)] for geom in grp]
        for grp in topo["groups"]
    ]
