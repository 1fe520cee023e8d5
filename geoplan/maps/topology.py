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


def encode_topology(
    groups: Sequence[Sequence], precision: int = 5
) -> dict:
    """Encode groups of polygonal geometries with shared arcs.

    Parameters
    ----------
    groups : sequence of sequences of shapely geometries
        E.g. ``[units, provinces, old]``. Non-polygonal parts are ignored,
        an empty or missing geometry becomes ``[]``.
    precision : int
        Decimal places kept (5 is ~1 m, 4 is ~11 m at the equator).

    Returns
    -------
    dict
        ``{"precision", "arcs" (base64 varints), "n_arcs", "n_points",
        "groups": [[geometry refs per feature] per group]}``.

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
    """
    scale = 10.0**precision
    sizes = [len(g) for g in groups]
    geoms = np.empty(sum(sizes), dtype=object)
    if len(geoms):
        geoms[:] = [g for grp in groups for g in grp]
    pts, lens, ring_geom, ring_part = _quantized_rings(geoms, scale)
    n_rings = len(lens)

    if n_rings:
        # point ids
        key = (pts[:, 0] << 32) ^ (pts[:, 1] & 0xFFFFFFFF)
        uniq, pid = np.unique(key, return_inverse=True)
        pid = pid.astype(np.int64).ravel()
        n_pts = len(uniq)
        pxy = np.empty((n_pts, 2), dtype=np.int64)
        pxy[pid] = pts

        # junctions: points seen with more than one pair of neighbours
        ends = np.cumsum(lens)
        starts = ends - lens
        ring_of = np.repeat(np.arange(n_rings), lens)
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
        junction = np.bincount(sp[new_pair], minlength=n_pts) > 1

        # cut points: junctions, or the smallest point of a ring without any
        cut = junction[pid]
        has_cut = np.add.reduceat(cut.astype(np.int64), starts) > 0
        local = idx - starts[ring_of]
        big = np.iinfo(np.int64).max
        first_cut = np.minimum.reduceat(np.where(cut, local, big), starts)
        ring_min = np.minimum.reduceat(pid, starts)
        at_min = (pid == ring_min[ring_of]) & ~has_cut[ring_of]
        first_min = np.minimum.reduceat(np.where(at_min, local, big), starts)
        cut |= at_min & (local == first_min[ring_of])
        offset = np.where(has_cut, first_cut, first_min)

        # rotate every ring to start at a cut and close it
        cstart = starts + np.arange(n_rings)
        rot = (local - offset[ring_of]) % lens[ring_of]
        closed = np.empty(len(pid) + n_rings, dtype=np.int64)
        closed_cut = np.zeros(len(closed), dtype=bool)
        pos = cstart[ring_of] + rot
        closed[pos] = pid
        closed_cut[pos] = cut
        closed[cstart + lens] = closed[cstart]
        closed_cut[cstart + lens] = True
        cpos = np.flatnonzero(closed_cut)
        cring = np.repeat(np.arange(n_rings), lens + 1)[cpos]
        same = cring[1:] == cring[:-1]
        arc_a, arc_b = cpos[:-1][same], cpos[1:][same]  # inclusive ends
        occ_ring = cring[:-1][same]

        # canonical direction and identity of each arc occurrence
        f0, f1 = closed[arc_a], closed[arc_a + 1]
        r0, r1 = closed[arc_b], closed[arc_b - 1]
        fwd = (f0 < r0) | ((f0 == r0) & (f1 <= r1))
        k0, k1 = np.where(fwd, f0, r0), np.where(fwd, f1, r1)
        arc_key = k0 * n_pts + k1
        _, rep, arc_id = np.unique(arc_key, return_index=True, return_inverse=True)
        arc_id = arc_id.ravel()
        refs = np.where(fwd, arc_id, -arc_id - 1)

        # stored arcs, canonical direction
        ra, rb, rf = arc_a[rep], arc_b[rep], fwd[rep]
        arc_lens = rb - ra + 1
        within = np.arange(arc_lens.sum()) - np.repeat(np.cumsum(arc_lens) - arc_lens, arc_lens)
        sel = np.where(np.repeat(rf, arc_lens), np.repeat(ra, arc_lens) + within, np.repeat(rb, arc_lens) - within)
        allp = pxy[closed[sel]]
        n_arcs = len(rep)
    else:
        occ_ring = refs = np.zeros(0, np.int64)
        arc_lens = np.zeros(0, np.int64)
        allp = np.zeros((0, 2), np.int64)
        n_arcs = 0

    # geometry references: group -> feature -> polygon -> ring -> arc refs
    bounds = np.searchsorted(occ_ring, np.arange(n_rings + 1))
    ref_list = refs.tolist()
    per_geom: list[list] = [[] for _ in range(len(geoms))]
    last_part = -1
    polygon: list = []
    rg, rp = ring_geom.tolist(), ring_part.tolist()
    for r in range(n_rings):
        if rp[r] != last_part:
            last_part = rp[r]
            polygon = []
            per_geom[rg[r]].append(polygon)
        polygon.append(ref_list[bounds[r] : bounds[r + 1]])
    groups_out, at = [], 0
    for n in sizes:
        groups_out.append(per_geom[at : at + n])
        at += n

    # stream: n_arcs, then per arc n_points and deltas
    deltas = np.diff(allp, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    stream = np.empty(1 + n_arcs + 2 * len(allp), dtype=np.int64)
    stream[0] = n_arcs
    len_pos = 1 + 2 * (np.cumsum(arc_lens) - arc_lens) + np.arange(n_arcs)
    stream[len_pos] = arc_lens
    mask = np.ones(len(stream), dtype=bool)
    mask[0] = False
    mask[len_pos] = False
    stream[mask] = deltas.reshape(-1)
    return {
        "precision": precision,
        "arcs": varint_b64(stream),
        "n_arcs": int(n_arcs),
        "n_points": int(len(allp)),
        "groups": groups_out,
    }


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
        [[[ring(refs) for refs in poly] for poly in geom] for geom in grp]
        for grp in topo["groups"]
    ]
