"""A grid over the units that places points without a geometry test where it can.

The units' extent is cut into square cells, grouped in blocks of ``BLOCK`` x ``BLOCK`` cells.
A cell that no ring edge of any unit touches lies wholly inside the same units as its centre
(or outside them all): a point falling in it takes that unit at once. Only the points of the
cells an edge touches (boundary cells) are tested exactly, with ``shapely.intersects_xy``
against the cell's candidates: the units whose edges touch the cell and those covering its
centre, in the layer's order. A block that no edge touches stores one label; the others a
label per cell, so memory follows the length of the boundaries, not the extent.

What covers the centre of each cell comes from a scanline: every ring edge crosses the
horizontal line through a row of centres when one of its ends is above the line and the
other is not (the half-open rule: each crossing counted once, vertices included); sorted
along the line, a unit's crossings pair up into the stretches it covers (holes and islands
included, since every ring of the unit counts).

Rule (the same everywhere in ``geoplan assign``): a point goes to the first unit, in the
layer's order, whose polygon covers it, its boundary included; so a point on the border of
two units goes to the one listed first, and so does a point where units overlap.

>>> import shapely
>>> grid = PointGrid.build(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]))
>>> grid.locate(np.array([0.5, 1.0, 1.5, 3.0]), np.array([0.5, 0.5, 0.5, 0.5])).tolist()
[0, 0, 1, -1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

BLOCK = 8  # cells per side of a block
MARGIN = 1e-6  # of a cell: edges within it of a cell count as touching it (far above rounding errors)
OUTSIDE = -1


@dataclass
class PointGrid:
    """The grid of a set of unit polygons (lon/lat), and :meth:`locate` for points.

    ``blocks`` holds per block a unit (>= 0), ``OUTSIDE``, or ``-2 - k`` for the k-th block an
    edge touches, whose cells are ``cells[k]`` (same coding: ``-2 - j`` for the j-th boundary
    cell, whose candidates are ``units[offsets[j]:offsets[j + 1]]``).
    """

    geoms: np.ndarray
    origin: tuple[float, float]
    cell: float
    shape: tuple[int, int]  # blocks along y and x
    blocks: np.ndarray
    cells: np.ndarray
    offsets: np.ndarray
    units: np.ndarray

    @classmethod
    def build(cls, geoms: np.ndarray, cell: float | None = None) -> PointGrid:
        """The grid of ``geoms`` (valid polygons in lon/lat; None or empty allowed), with cells
        of ``cell`` degrees (default: about the median length of the edges).

        >>> PointGrid.build(np.array([shapely.box(0, 0, 4, 4)]), cell=1.0).shape
        (1, 1)
        """
        geoms = np.asarray(geoms, dtype=object)
        a, b, owner = _edges(geoms)
        x0, y0, x1, y1 = shapely.total_bounds(geoms) if len(a) else (0.0, 0.0, 1.0, 1.0)
        cell = cell or _cell_size(a, b, max(x1 - x0, y1 - y0))
        nbx = int((x1 - x0) // (cell * BLOCK)) + 1
        nby = int((y1 - y0) // (cell * BLOCK)) + 1
        grid = _Layout((x0, y0), cell, nbx, nby)
        touched = grid.touched(a, b, owner)
        blocks, cells = grid.block_table(_distinct(touched[0] // (BLOCK * BLOCK)))
        crossings = grid.crossings(a, b, owner)
        grid.paint_blocks(blocks, crossings)
        offsets, units = grid.paint_cells(blocks, cells, crossings, touched)
        shapely.prepare(geoms)
        return cls(geoms, (x0, y0), cell, (nby, nbx), blocks, cells, offsets, units)

    def __setstate__(self, state):  # unpickled on a dask worker: the polygons are prepared again
        self.__dict__.update(state)
        shapely.prepare(self.geoms)

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The unit of each point (its index, ``OUTSIDE`` where none covers it).

        >>> grid = PointGrid.build(np.array([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)]))
        >>> grid.locate(np.array([1.5, 2.5, 2.0]), np.array([1.5, 2.5, 2.0])).tolist()  # overlap: the first
        [0, 1, 0]
        """
        label, where = self._labels(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        todo = np.flatnonzero(label <= -2)
        if len(todo):
            label[todo] = self._exact(x[todo], y[todo], -2 - label[todo])
        return label

    def box_unit(self, bounds: np.ndarray) -> np.ndarray:
        """The unit that wholly contains each box (xmin, ymin, xmax, ymax), when the grid tells
        at once: the box lies in at most 2 x 2 cells, or 2 x 2 blocks, that no edge touches and
        that belong to the same unit; ``OUTSIDE`` otherwise (not known, or in no unit).

        >>> grid = PointGrid.build(np.array([shapely.box(0, 0, 4, 4)]), cell=0.25)
        >>> grid.box_unit(np.array([[1.0, 1.0, 1.1, 1.1], [3.9, 3.9, 4.1, 4.1]])).tolist()
        [0, -1]
        """
        xmin, ymin, xmax, ymax = np.asarray(bounds, dtype=float).reshape(-1, 4).T
        (x0, y0) = self.origin
        found = np.full(len(xmin), OUTSIDE, dtype=np.int32)
        for size, lookup in ((self.cell, self._labels), (self.cell * BLOCK, self._block_labels)):
            small = ((np.floor((xmax - x0) / size) - np.floor((xmin - x0) / size) <= 1)
                     & (np.floor((ymax - y0) / size) - np.floor((ymin - y0) / size) <= 1))
            corners = [lookup(x, y)[0] for x, y in ((xmin, ymin), (xmax, ymin), (xmin, ymax), (xmax, ymax))]
            same = small & (corners[0] >= 0) & (corners[0] == corners[1]) & (corners[0] == corners[2]) & (corners[0] == corners[3])
            found = np.where((found < 0) & same, corners[0], found)
        return found

    def _block_labels(self, x: np.ndarray, y: np.ndarray):
        """Per point the label of its block (unit, OUTSIDE, or below -1 where edges touch it)."""
        (x0, y0), nby, nbx = self.origin, *self.shape
        bx, by = np.floor((x - x0) / (self.cell * BLOCK)), np.floor((y - y0) / (self.cell * BLOCK))
        inside = (bx >= 0) & (by >= 0) & (bx < nbx) & (by < nby)
        where = np.where(inside, by * nbx + bx, 0).astype(np.int64)
        return np.where(inside, self.blocks[where], OUTSIDE), inside

    def _labels(self, x: np.ndarray, y: np.ndarray):
        """Per point the label of its cell (unit, OUTSIDE, or -2 - boundary cell)."""
        (x0, y0), nby, nbx = self.origin, *self.shape
        fx, fy = np.floor((x - x0) / self.cell), np.floor((y - y0) / self.cell)
        inside = (fx >= 0) & (fy >= 0) & (fx < nbx * BLOCK) & (fy < nby * BLOCK)  # NaN: False
        ix, iy = np.where(inside, fx, 0).astype(np.int32), np.where(inside, fy, 0).astype(np.int32)
        label = self.blocks[(iy // BLOCK) * nbx + ix // BLOCK]
        label[~inside] = OUTSIDE
        fine = np.flatnonzero(label <= -2)
        if len(fine):
            cell = (-2 - label[fine]).astype(np.int64) * (BLOCK * BLOCK) + (iy[fine] % BLOCK) * BLOCK + ix[fine] % BLOCK
            label[fine] = self.cells.reshape(-1)[cell]
        return label, inside

    def _exact(self, x: np.ndarray, y: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """Units of points in boundary cells: each cell's candidates tried in the layer's order, the
        first covering wins; each round tests one candidate per point, sorted by unit (which keeps
        each polygon's index in the processor's cache)."""
        found = np.full(len(x), OUTSIDE, dtype=np.int32)
        start, count = self.offsets[cell], self.offsets[cell + 1] - self.offsets[cell]
        todo, k = np.arange(len(x)), 0
        while len(todo):
            unit = self.units[start[todo] + k]
            order = np.argsort(unit.astype(np.int16) if len(self.geoms) < 1 << 15 else unit, kind="stable")  # radix
            todo, unit = todo[order], unit[order]
            hit = shapely.intersects_xy(self.geoms[unit], x[todo], y[todo])
            found[todo[hit]] = unit[hit]
            k += 1
            todo = todo[~hit & (count[todo] > k)]
        return found


@dataclass
class _Layout:
    """Where cells and blocks are, and the steps that fill the grid's tables."""

    origin: tuple[float, float]
    cell: float
    nbx: int
    nby: int

    @property
    def ncx(self) -> int:
        return self.nbx * BLOCK

    def flat(self, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
        """Cell numbers, block by block: block (by, bx) holds cells ``[n, n + BLOCK**2)``."""
        block = (iy // BLOCK) * self.nbx + ix // BLOCK
        return block * (BLOCK * BLOCK) + (iy % BLOCK) * BLOCK + ix % BLOCK

    def touched(self, a: np.ndarray, b: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cell, unit) pairs, unique: the cells each unit's edges touch (within ``MARGIN``)."""
        n = np.maximum(np.ceil(np.abs(b - a).max(axis=1) / self.cell), 1).astype(np.int64)  # pieces of <= 1 cell
        seg = np.flatnonzero(n > 1)
        seg, k = ranges(np.zeros(len(seg), dtype=np.int64), n[seg])
        seg = np.flatnonzero(n > 1)[seg]
        d = (b - a)[seg]
        p = np.concatenate([a[n == 1], a[seg] + d * (k / n[seg])[:, None]])
        q = np.concatenate([b[n == 1], a[seg] + d * ((k + 1) / n[seg])[:, None]])
        seg = np.concatenate([np.flatnonzero(n == 1), seg])
        origin = np.asarray(self.origin)
        lo = np.floor((np.minimum(p, q) - origin) / self.cell - MARGIN).astype(np.int64)
        hi = np.floor((np.maximum(p, q) - origin) / self.cell + MARGIN).astype(np.int64)
        lo, hi = np.maximum(lo, 0), np.minimum(hi, [self.ncx - 1, self.nby * BLOCK - 1])
        n_units = int(owner.max()) + 1 if len(owner) else 1
        wide = np.maximum(hi - lo + 1, 0)  # cells a piece's box spans along x and y (1 to 3)
        piece, k = ranges(np.zeros(len(lo), dtype=np.int64), wide[:, 0] * wide[:, 1])
        ix, iy = lo[piece, 0] + k % wide[piece, 0], lo[piece, 1] + k // wide[piece, 0]
        keys = [self.flat(ix, iy) * n_units + owner[seg[piece]]]
        keys = _distinct(np.concatenate(keys))
        return keys // n_units, (keys % n_units).astype(np.int32)

    def block_table(self, touched_blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The block table (``-2 - k`` for the touched ones, OUTSIDE elsewhere until painted) and
        the cell table of the touched blocks (OUTSIDE until painted)."""
        blocks = np.full(self.nbx * self.nby, OUTSIDE, dtype=np.int32)
        blocks[touched_blocks] = -2 - np.arange(len(touched_blocks), dtype=np.int32)
        return blocks, np.full((len(touched_blocks), BLOCK * BLOCK), OUTSIDE, dtype=np.int32)

    def crossings(self, a: np.ndarray, b: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, ...]:
        """Stretches of rows of cell centres covered by each unit: (row, unit, x from, x to),
        sorted by row then unit."""
        y0, s = self.origin[1], self.cell
        ylo, yhi = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
        first = np.maximum(np.floor((ylo - y0) / s - 0.5).astype(np.int64), 0)
        last = np.minimum(np.floor((yhi - y0) / s - 0.5).astype(np.int64) + 1, self.nby * BLOCK - 1)
        edge, row = ranges(first, last - first + 1)
        yc = y0 + (row + 0.5) * s
        ay, by = a[edge, 1], b[edge, 1]
        keep = (ay > yc) != (by > yc)  # the half-open rule
        edge, row, yc = edge[keep], row[keep], yc[keep]
        ax, bx, ay, by = a[edge, 0], b[edge, 0], a[edge, 1], b[edge, 1]
        x = ax + (yc - ay) * (bx - ax) / (by - ay)
        unit = owner[edge]
        order = np.lexsort((x, unit, row))
        row, unit, x = row[order], unit[order], x[order]
        return row[0::2], unit[0::2], x[0::2], x[1::2]  # each unit crosses a row an even number of times

    def paint_blocks(self, blocks: np.ndarray, crossings) -> None:
        """Label the blocks no edge touches by the unit covering their middle cell's centre."""
        row, unit, xa, xb = crossings
        mid = BLOCK // 2
        m = np.flatnonzero(row % BLOCK == mid)
        ia, ib = self._cell_range(xa[m], xb[m])
        first, last = -(-(ia - mid) // BLOCK), (ib - mid) // BLOCK  # blocks whose middle column lies in [ia, ib]
        which, bx = ranges(first, last - first + 1)
        which = m[which]
        block = (row[which] // BLOCK) * self.nbx + bx
        block, label = _first_unit(block, unit[which])
        free = blocks[block] == OUTSIDE
        blocks[block[free]] = label[free]

    def paint_cells(self, blocks: np.ndarray, cells: np.ndarray, crossings, touched) -> tuple[np.ndarray, np.ndarray]:
        """Label the cells of touched blocks; list each boundary cell's candidates (units whose
        edges touch it, then units covering its centre; each once, in the layer's order).
        Returns the candidates' offsets and units."""
        row, unit, xa, xb = crossings
        ia, ib = self._cell_range(xa, xb)
        which, bx = ranges(ia // BLOCK, ib // BLOCK - ia // BLOCK + 1)
        k = -2 - blocks[(row[which] // BLOCK) * self.nbx + bx]
        keep = np.flatnonzero(k >= 0)
        which, bx = which[keep], bx[keep]
        lo, hi = np.maximum(ia[which], bx * BLOCK), np.minimum(ib[which], bx * BLOCK + BLOCK - 1)
        spans, ix = ranges(lo, hi - lo + 1)
        return self._fill(blocks, cells, touched, _slots(blocks, self.flat(ix, row[which][spans])),
                          unit[which][spans])

    @staticmethod
    def _fill(blocks, cells, touched, slot, unit) -> tuple[np.ndarray, np.ndarray]:
        """Write into ``cells`` the first unit covering each cell's centre (``slot``, ``unit``:
        cells and units covering their centre), and the boundary cells' numbers; return the
        boundary cells' candidates (offsets, units)."""
        flat = cells.reshape(-1)
        touched_slot = _slots(blocks, touched[0])
        boundary = np.zeros(flat.size, dtype=bool)
        boundary[touched_slot] = True
        inner = ~boundary[slot]
        inner_slot, inner_unit = slot[inner], unit[inner]
        flat[inner_slot] = inner_unit
        several = np.bincount(inner_slot, minlength=flat.size)[inner_slot] > 1  # where units overlap
        if several.any():
            where, first = _first_unit(inner_slot[several], inner_unit[several])
            flat[where] = first
        n_units = int(max(unit.max(initial=0), touched[1].max(initial=0))) + 1
        keys = _distinct(np.concatenate([touched_slot * n_units + touched[1], slot[~inner] * n_units + unit[~inner]]))
        bslot, bunit = keys // n_units, (keys % n_units).astype(np.int32)
        start = np.flatnonzero(np.r_[True, bslot[1:] != bslot[:-1]])
        flat[bslot[start]] = -2 - np.arange(len(start), dtype=np.int32)
        return np.append(start, len(bslot)).astype(np.int64), bunit

    def _cell_range(self, xa: np.ndarray, xb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Columns of the cells whose centre lies between ``xa`` and ``xb``."""
        x0, s = self.origin[0], self.cell
        ia = np.maximum(np.ceil((xa - x0) / s - 0.5), 0).astype(np.int64)
        ib = np.minimum(np.floor((xb - x0) / s - 0.5), self.ncx - 1).astype(np.int64)
        return ia, ib


def _slots(blocks: np.ndarray, cell_numbers: np.ndarray) -> np.ndarray:
    """Positions in the cell table of cells given by number."""
    return (-2 - blocks[cell_numbers // (BLOCK * BLOCK)]) * (BLOCK * BLOCK) + cell_numbers % (BLOCK * BLOCK)


def ranges(first: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every member of the ranges ``[first, first + n)`` (``n`` below 1: empty), with its range.

    >>> ranges(np.array([5, 0, 1]), np.array([2, 0, 1]))
    (array([0, 0, 2]), array([5, 6, 1]))
    """
    n = np.maximum(n, 0)
    which = np.repeat(np.arange(len(n)), n)
    return which, first[which] + np.arange(len(which)) - np.repeat(np.cumsum(n) - n, n)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (by sorting: numpy's hashing ``unique`` is slower on large arrays).

    >>> _distinct(np.array([3, 1, 3])).tolist()
    [1, 3]
    """
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _first_unit(where: np.ndarray, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each distinct ``where``, the smallest ``unit`` (the first in the layer's order).

    >>> _first_unit(np.array([5, 3, 5]), np.array([2, 1, 0]))
    (array([3, 5]), array([1, 0]))
    """
    order = np.lexsort((unit, where))
    where, unit = where[order], unit[order]
    first = np.r_[True, where[1:] != where[:-1]] if len(where) else np.zeros(0, dtype=bool)
    return where[first], unit[first]


def _edges(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ring edge of the polygons: start and end points, and the polygon it belongs to."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = np.flatnonzero(ring[1:] == ring[:-1])
    return xy[same], xy[same + 1], part_owner[ring_part[ring[same]]].astype(np.int32)


def _cell_size(a: np.ndarray, b: np.ndarray, extent: float) -> float:
    """About the median edge length, within 1/16 and 1/16384 of the extent."""
    if not len(a) or not extent > 0:
        return 1.0
    median = float(np.median(np.abs(b - a).max(axis=1)))
    return float(np.clip(median, extent / 16384, extent / 16))
