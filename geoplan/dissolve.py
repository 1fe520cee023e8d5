"""The geometry engine: dissolve a dirty coverage into clean units.

It knows nothing of names, codes or plans: it takes polygons and a group key
per polygon, and returns one polygon per key plus a log of every repair.

Real layers are dirty coverages: neighbours overlap and leave slivers of gap
between them. A *clean* result is a coverage (valid polygons, no overlaps,
shared edges identical vertex for vertex) with no gap inside its outline.
The rules, in order:

1. ``invalid``: an invalid source polygon is repaired with ``make_valid``.
2. group union: the sources of each key are unioned, by edge cancellation
   where they already share edges (fast path), by overlay otherwise; in
   threads (GEOS releases the GIL).
3. gap inside a unit: a hole of a group's union that no other group reaches
   into lies between sources of the same new unit, so it goes to that unit
   (rule ``enclosed``). Enclaves (a hole filled by another unit) stay.
4. overlaps: ``shapely.coverage_clean`` snaps the units together and gives
   each overlap to the neighbour with the longest shared border (rule
   ``longest border``); shared edges then match vertex for vertex. A
   thousand units or more are cleaned in two halves side by side, then
   along the cut (:func:`clean_coverage`). Meanwhile another thread does
   the caller's ``beside`` work, then finds where sources of different keys
   overlap (for the log).
5. gaps between units: every hole left inside the outline goes, whole, to
   the unit with the longest border on it (rule ``longest border``, or
   ``wide gap`` when wider than ``gap_width``: flagged for review).

A hole that no unit covers is always a gap: a country's territory is fully
divided into units. Fast path vs repair path: step 2 costs at most what a
plain dissolve costs; steps 3 and 5 touch only holes and match borders by
exact segments, with no overlay; step 4 runs on the dissolved units, not on
the sources, and without GEOS's gap merging, which is slow on thousands of
gaps.

>>> import shapely
>>> frame = [shapely.box(-1, -1, 3, 0), shapely.box(-1, 1, 3, 2)]  # closes the gap above and below
>>> out = dissolve_clean([shapely.box(0, 0, 1, 1), shapely.box(1.001, 0, 2, 1), *frame], ["a", "b", "c", "c"], 0.01)
>>> bool(shapely.coverage_is_valid(out.units.to_numpy())), round(float(out.units.area.sum()), 6)
(True, 10.0)
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .measure import ring_table
from .quality import holes, holes_by_part, interior_pairs

REPAIR_COLUMNS = ["kind", "rule", "receiving_code", "other_codes", "area", "width"]
MIN_PIECE = 1e-12  # area in CRS units below which a repair piece is numerical noise


@dataclass
class Dissolved:
    """Result of :func:`dissolve_clean`: ``units`` (GeoSeries by key), ``repairs``
    (GeoDataFrame), ``united`` (GeoSeries: each key's sources unioned, before
    any repair, to account for area), ``gaps_left`` (holes still inside the
    outline of the units, measured on the result in a background thread;
    reading it waits for the count) and ``beside`` (what the
    caller's ``beside`` work returned)."""

    units: gpd.GeoSeries
    repairs: gpd.GeoDataFrame
    united: gpd.GeoSeries
    _gaps_left: Future
    beside: object = None

    @property
    def gaps_left(self) -> int:
        return self._gaps_left.result()


def _polygonal(geom):
    """The polygonal part of a geometry (make_valid may return collections)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


COVERAGE_AREA_TOLERANCE = 1e-6  # relative: a group whose sources overlap less than this is edge-matched enough


def union_group(members: np.ndarray, try_coverage: bool = True):
    """Union the sources of one group.

    Fast path: sources that already form a coverage (edges shared vertex for
    vertex) are dissolved by edge cancellation (``coverage_union_all``), which
    touches each vertex once. Where edges do not quite match, that result can
    be invalid or lose area, so it is rebuilt by a zero buffer (faster than
    ``make_valid`` here, with the same area) and kept
    only if its area equals the sources' total (no overlap among them);
    otherwise the overlay union, several times slower, unites the sources
    whose edges do not match (:func:`_union_around_mismatches`).
    ``try_coverage=False`` is for layers known to be dirty: there the union
    is taken as the zero buffer of all parts as one multipolygon, which on
    such layers (many small overlapping polygons) is more than twice as fast
    as ``union_all`` and gives the same polygons; it is checked and falls
    back to ``union_all``.

    >>> union_group(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])).area
    2.0
    """
    if try_coverage:
        try:
            merged = shapely.coverage_union_all(members)
            if not merged.is_valid:  # the zero buffer rebuilds it from its rings; the area check below guards it
                merged = _polygonal(shapely.buffer(merged, 0))
            total = shapely.area(members).sum()
            if abs(merged.area - total) <= COVERAGE_AREA_TOLERANCE * total:
                return merged
        except shapely.errors.GEOSException:
            pass
        return _union_around_mismatches(members)
    merged = shapely.buffer(shapely.multipolygons(shapely.get_parts(members)), 0)
    if merged.is_valid and merged.area >= shapely.area(members).max() * (1 - 1e-9):
        return merged
    return shapely.union_all(members)


def _union_around_mismatches(members: np.ndarray):
    """Union sources of which only some have edges that do not match their neighbours'.

    Only those (found by ``coverage_invalid_edges``) go through the overlay
    union; the others are dissolved by edge cancellation, and so are the two
    results, which share exactly the edges the sources share. Checked by
    validity and area (an overlap between the two parts would be counted
    twice); otherwise the overlay union of the two parts, or of all sources
    when the matched ones do not dissolve cleanly.

    >>> boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(1.5, 0, 3, 1)])
    >>> _union_around_mismatches(boxes).area
    3.0
    """
    dirty = ~shapely.is_empty(shapely.coverage_invalid_edges(members))
    if not dirty.any() or dirty.all():
        return shapely.union_all(members)
    try:
        matched = shapely.coverage_union_all(members[~dirty])
        if not matched.is_valid:
            return shapely.union_all(members)
        mismatched = shapely.union_all(members[dirty])
        merged = shapely.coverage_union_all([matched, mismatched])
        expected = matched.area + mismatched.area
        if merged.is_valid and abs(merged.area - expected) <= COVERAGE_AREA_TOLERANCE * expected:
            return merged
    except shapely.errors.GEOSException:
        return shapely.union_all(members)
    return shapely.union_all([matched, mismatched])  # the overlay of two parts: still cheaper than of all


def looks_like_coverage(groups: list[np.ndarray], sample: int = 3, max_dirty: float = 0.2) -> bool:
    """Whether a layer is close enough to a coverage for the fast union path to pay.

    Looks at the sources of a few groups: at most ``max_dirty`` of them may
    have edges that do not match their neighbours'.

    >>> looks_like_coverage([np.array([shapely.box(i, 0, i + 1, 1) for i in range(10)])])
    True
    """
    picked = [g for g in groups if len(g) >= 10][:sample]
    if not picked:
        return True
    members = np.concatenate(picked)
    dirty = ~shapely.is_empty(shapely.coverage_invalid_edges(members))
    return bool(dirty.mean() <= max_dirty)


def union_groups(geoms: np.ndarray, order: np.ndarray, bounds: np.ndarray, workers: int) -> np.ndarray:
    """Union the sources of each group, in ``workers`` threads.

    GEOS releases the GIL, so threads run the unions in parallel without
    copying geometries between processes. The biggest groups go first.

    >>> boxes = np.array([shapely.box(i, 0, i + 1, 1) for i in range(4)])
    >>> shapely.area(union_groups(boxes, np.arange(4), np.array([0, 2, 4]), workers=2)).tolist()
    [2.0, 2.0]
    """
    groups = [geoms[order[bounds[i]:bounds[i + 1]]] for i in range(len(bounds) - 1)]
    fast = looks_like_coverage(groups)
    out = np.empty(len(groups), dtype=object)
    if workers <= 1 or len(groups) < 2:
        out[:] = [union_group(group, fast) for group in groups]
        return out
    biggest_first = np.argsort([-shapely.get_num_coordinates(g).sum() for g in groups], kind="stable")
    with ThreadPoolExecutor(workers) as pool:
        out[biggest_first] = list(pool.map(lambda i: union_group(groups[i], fast), biggest_first.tolist()))
    return out


def _repair(kind, rule, code, others, geom, width=np.nan):
    return {"kind": kind, "rule": rule, "receiving_code": code, "other_codes": others, "geometry": geom, "width": width}


def _blocked(unit_holes: np.ndarray, owner: np.ndarray, sources: np.ndarray, source_unit: np.ndarray) -> np.ndarray:
    """Mask of holes whose interior another unit reaches into.

    Tested against the other units' sources, which is the same (a unit's
    interior meets a hole only where one of its sources does) and far
    cheaper than testing against whole units.
    """
    hole_i, source_j = shapely.STRtree(sources).query(unit_holes)
    keep = source_unit[source_j] != owner[hole_i]
    hole_i, source_j = hole_i[keep], source_j[keep]
    hit = shapely.intersects(sources[source_j], unit_holes[hole_i])
    hole_i, source_j = hole_i[hit], source_j[hit]
    hit = ~shapely.touches(sources[source_j], unit_holes[hole_i])
    mask = np.zeros(len(unit_holes), dtype=bool)
    mask[hole_i[hit]] = True
    return mask


def _fill_enclosed(united: np.ndarray, keys: np.ndarray, sources: np.ndarray, source_unit: np.ndarray,
                   log: list) -> np.ndarray:
    """Step 3: give each unit the gaps it encloses; keep enclaves.

    A hole another unit reaches into stays a hole here; step 4 or 5 then
    deals with whatever gap is left in it. Units are rebuilt from their
    rings (no overlay); a part lying in a filled hole of its own unit is
    absorbed by it.
    """
    unit_holes, owner, hole_part = holes_by_part(united)
    if not len(unit_holes):
        return united
    blocked = _blocked(unit_holes, owner, sources, source_unit)
    log.extend(_repair("gap", "enclosed", keys[k], "", h) for h, k in zip(unit_holes[~blocked], owner[~blocked]))
    parts, part_owner = shapely.get_parts(united, return_index=True)
    filled = unit_holes[~blocked]
    inside, hole_i = shapely.STRtree(filled).query(parts, predicate="within")
    absorbed = np.zeros(len(parts), dtype=bool)
    absorbed[inside[part_owner[inside] == owner[~blocked][hole_i]]] = True
    kept_holes = shapely.get_exterior_ring(unit_holes[blocked])
    rings = np.concatenate([shapely.get_exterior_ring(parts), kept_holes])
    ring_part = np.concatenate([np.arange(len(parts)), hole_part[blocked]])
    order = np.lexsort((np.arange(len(rings)), ring_part))  # per part: its shell first, then its holes
    rebuilt = shapely.polygons(rings[order], indices=ring_part[order])
    unit_index, dense = np.unique(part_owner[~absorbed], return_inverse=True)
    out = united.copy()
    out[unit_index] = shapely.multipolygons(rebuilt[~absorbed], indices=dense)
    return out


SPLIT_CLEANING_FROM = 1000  # units; below this, cleaning in halves does not pay


def clean_coverage(units: np.ndarray, workers: int = 1) -> np.ndarray:
    """Step 4: ``shapely.coverage_clean`` without gap merging, overlaps to the longest border.

    Many units (a national commune layer) are cleaned in two halves, north
    and south of the median centroid, side by side when ``workers`` allows;
    then the units within reach of the other half are cleaned again
    together. All cleanings use the snapping distance GEOS would use for
    the whole set (extent diameter / 1e8), so they snap alike, and the
    result does not depend on the number of workers. Re-cleaning the units
    along the cut may only change their borders with each other: the cut
    units and their neighbours are checked to form a valid coverage, and if
    they do not the whole set is cleaned at once.

    >>> boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(0.9, 0, 2, 1)])
    >>> shapely.area(clean_coverage(boxes)).round(2).tolist()
    [1.0, 1.0]
    """
    bounds = shapely.total_bounds(units)
    snap = float(np.hypot(bounds[2] - bounds[0], bounds[3] - bounds[1])) / 1e8
    def clean(some):
        return shapely.coverage_clean(some, gap_width=0.0, merge_strategy="longest_border", snapping_distance=snap)
    if len(units) < SPLIT_CLEANING_FROM:
        return clean(units)
    y = shapely.get_y(shapely.centroid(units))
    north = y >= np.median(y)
    halves = [np.flatnonzero(north), np.flatnonzero(~north)]
    out = np.empty(len(units), dtype=object)
    with ThreadPoolExecutor(min(2, max(1, workers))) as pool:
        for half, cleaned in zip(halves, pool.map(lambda half: clean(units[half]), halves)):
            out[half] = cleaned
    near, far = shapely.STRtree(units[halves[1]]).query(units[halves[0]], predicate="dwithin", distance=10 * snap)
    cut = np.unique(np.concatenate([halves[0][near], halves[1][far]]))
    if len(cut):
        out[cut] = clean(out[cut])
        around = np.unique(shapely.STRtree(out).query(out[cut], predicate="intersects")[1])
        if not shapely.coverage_is_valid(out[around]):
            return clean(units)
    return out


def _cross_overlaps(geoms: np.ndarray, keys: np.ndarray) -> list[tuple]:
    """Where sources of different keys overlap: ``(piece, key_a, key_b)``, one piece per pair of keys.

    Computed on the small source polygons, which is far cheaper than
    differencing whole units before and after cleaning.
    """
    left, right = interior_pairs(geoms, keys)
    pieces = shapely.intersection(geoms[left], geoms[right])
    real = shapely.area(pieces) > MIN_PIECE
    by_pair: dict[tuple, list] = {}
    for piece, a, b in zip(_areal(pieces[real]), keys[left[real]], keys[right[real]]):
        by_pair.setdefault(tuple(sorted((a, b), key=str)), []).append(piece)
    return [(found[0] if len(found) == 1 else shapely.union_all(found), a, b) for (a, b), found in by_pair.items()]


def _areal(pieces: np.ndarray) -> np.ndarray:
    """The polygons of overlay results (which may hold lines and points too);
    each piece must have at least one polygon."""
    parts, owner = shapely.get_parts(pieces, return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), (3, 6))
    return shapely.multipolygons(parts[polygonal], indices=owner[polygonal])


def _log_overlaps(overlaps: list[tuple], cleaned: np.ndarray, keys: np.ndarray, log: list) -> None:
    """Step 4 bookkeeping: each overlap piece went to the unit that holds it after cleaning."""
    if not overlaps:
        return
    index = {key: i for i, key in enumerate(keys)}
    parts, pair = shapely.get_parts(np.array([piece for piece, _, _ in overlaps], dtype=object), return_index=True)
    real = shapely.area(parts) > MIN_PIECE
    parts, pair = parts[real], pair[real]
    first = np.array([index[a] for _, a, _ in overlaps])[pair]
    inside = shapely.point_on_surface(parts)
    shapely.prepare(cleaned)
    first_wins = shapely.contains(cleaned[first], inside)
    for part, p, wins in zip(parts, pair, first_wins):
        _, a, b = overlaps[p]
        winner, loser = (a, b) if wins else (b, a)
        log.append(_repair("overlap", "longest border", winner, str(loser), part))


def _segments(geoms: np.ndarray, only_at: np.ndarray | None = None) -> pd.DataFrame:
    """Every boundary segment of ``geoms``, endpoints ordered, with its owner and length;
    with ``only_at`` (points as complex ``x + 1j*y``), only segments with both ends among them."""
    coords, ring_of, ring_owner, _ = ring_table(geoms)
    keep = ring_of[1:] == ring_of[:-1]
    if only_at is not None:
        at = np.isin(coords[:, 0] + 1j * coords[:, 1], only_at)
        keep &= at[1:] & at[:-1]
    a, b = coords[:-1][keep], coords[1:][keep]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    lo, hi = np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)
    return pd.DataFrame({"x0": lo[:, 0], "y0": lo[:, 1], "x1": hi[:, 0], "y1": hi[:, 1],
                         "owner": ring_owner[ring_of[:-1][keep]],
                         "length": np.hypot(*(hi - lo).T)})


def _gaps_of(outline) -> np.ndarray:
    """The gaps inside an outline: its holes, minus the islands that sit in them.

    Built from the rings themselves (no overlay), so gap edges stay exactly
    the units' edges.
    """
    gaps = holes([outline])
    if not len(gaps):
        return gaps
    parts = shapely.get_parts(outline)
    gap_i, part_i = shapely.STRtree(parts).query(gaps, predicate="contains")
    for g in np.unique(gap_i):
        islands = parts[part_i[gap_i == g]]
        gaps[g] = shapely.Polygon(gaps[g].exterior, [island.exterior for island in islands])
    return gaps


def _fill_gaps(cleaned: np.ndarray, keys: np.ndarray, gap_width: float, log: list, workers: int = 1) -> np.ndarray:
    """Step 5: give every gap left inside the outline to the unit with the longest border on it.

    The cleaned units form a valid coverage, so a gap's edges are exactly
    edges of its neighbours: shared borders are found by matching segments.
    """
    gaps = _gaps_of(shapely.coverage_union_all(cleaned))
    if not len(gaps):
        return cleaned
    on_gap = _segments(gaps).rename(columns={"owner": "gap"})
    gap_points = shapely.get_coordinates(gaps)
    near = np.unique(shapely.STRtree(cleaned).query(gaps)[1])  # only units whose box meets a gap's
    on_unit = _segments(cleaned[near], only_at=gap_points[:, 0] + 1j * gap_points[:, 1])
    on_unit = on_unit.assign(owner=near[on_unit["owner"].to_numpy()])
    on_unit = on_unit.rename(columns={"owner": "unit"}).drop(columns="length")
    shared = on_gap.merge(on_unit, on=["x0", "y0", "x1", "y1"])
    border = shared.groupby(["gap", "unit"])["length"].sum().reset_index()
    border = border.sort_values(["gap", "length"], ascending=[True, False], kind="stable")
    first = ~border["gap"].duplicated().to_numpy()
    winner = np.full(len(gaps), -1)
    winner[border["gap"].to_numpy()[first]] = border["unit"].to_numpy()[first]
    if (winner < 0).any():  # cannot happen on a valid coverage; never drop a gap silently
        raise RuntimeError(f"gap at {gaps[winner < 0][0].representative_point().wkt} has no neighbouring unit")
    others = [""] * len(gaps)
    for g, unit in zip(border["gap"].to_numpy()[~first], border["unit"].to_numpy()[~first]):
        others[g] += f",{keys[unit]}" if others[g] else str(keys[unit])
    widths = 2 * shapely.area(gaps) / shapely.length(gaps)
    receive: dict[int, list] = {}
    for gap, unit, other, width in zip(gaps, winner.tolist(), others, widths):
        receive.setdefault(unit, []).append(gap)
        log.append(_repair("gap", "longest border" if width <= gap_width else "wide gap", keys[unit], other, gap))
    out = cleaned.copy()
    with ThreadPoolExecutor(workers) as pool:  # one edge cancellation per receiving unit, side by side
        grown = pool.map(lambda unit: _add_pieces(cleaned[unit], receive[unit]), list(receive))
        out[list(receive)] = list(grown)
    return out


def _add_pieces(unit, pieces: list):
    """Union a unit with gap pieces that share its edges exactly.

    Edge cancellation (coverage union) is exact and fast; where a piece only
    touches the unit at a vertex the unit lacks, fall back to an overlay union.
    """
    try:
        return shapely.coverage_union_all([unit, *pieces])
    except shapely.errors.GEOSException:
        return shapely.union_all([unit, *pieces])


def dissolve_clean(geoms, keys, gap_width: float, workers: int | None = None, progress=None, beside=None):
    """Dissolve polygons by key into a clean coverage, logging every repair.

    Parameters
    ----------
    geoms : array of Polygon/MultiPolygon, in any CRS.
    keys : array of group keys, one per geometry (None drops the geometry).
    gap_width : gaps narrower than this (in CRS units) are routine repairs;
        wider gaps inside the outline are filled too, flagged ``wide gap``.
    workers : threads for the steps that run side by side (group unions,
        validity, growing units by their gaps); default: all cores, at most 2.
    progress : optional callable(step_name) called as each step starts.
    beside : optional callable(united) run in a thread while the units are
        cleaned (serial steps), given each key's sources unioned; what it
        returns is ``Dissolved.beside``. It must not test ``geoms`` with
        predicates (the engine does so meanwhile, and GEOS builds prepared
        indexes lazily); reading their coordinates is safe.

    Returns
    -------
    Dissolved with ``units`` (GeoSeries indexed by key, a valid coverage),
    ``repairs`` (GeoDataFrame with ``kind, rule, receiving_code, other_codes,
    area, width`` in CRS units and the repaired piece), ``united``,
    ``gaps_left`` and ``beside``.

    Examples
    --------
    >>> import shapely
    >>> out = dissolve_clean([shapely.box(0, 0, 1, 1), shapely.box(0.99, 0, 2, 1)], [1, 2], gap_width=0.1)
    >>> list(out.repairs["kind"])
    ['overlap']
    """
    step = progress or (lambda name: None)
    geoms = np.asarray(geoms, dtype=object)
    keys = np.asarray(keys, dtype=object)
    keep = (keys != None) & ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)  # noqa: E711 (element-wise)
    geoms, keys = geoms[keep], keys[keep]
    log: list[dict] = []

    step("repairing invalid polygons")
    workers = workers or min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:  # GEOS releases the GIL: check validity in slices side by side
        invalid = np.flatnonzero(~np.concatenate(list(pool.map(shapely.is_valid, np.array_split(geoms, workers)))))
    for i in invalid:
        geoms[i] = _polygonal(shapely.make_valid(geoms[i]))
        log.append(_repair("invalid", "make_valid", keys[i], "", geoms[i]))

    step(f"uniting {len(geoms):,} polygons into groups")
    str_keys = keys.astype(str)
    order = np.argsort(str_keys, kind="stable")
    sorted_keys = str_keys[order]
    bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
    group_keys = keys[order[bounds[:-1]]]
    shapely.prepare(geoms)  # here, before threads read the geometries
    united = union_groups(geoms, order, bounds, workers if len(geoms) > 2000 else 1)
    united = np.array([_polygonal(g) for g in united] + [None], dtype=object)[:-1]

    with ThreadPoolExecutor(1) as pool:  # the next steps run on one core: the other does the caller's work, then finds overlaps
        aside = pool.submit(beside, gpd.GeoSeries(united, index=pd.Index(group_keys, name="key"))) if beside else None
        step("filling gaps inside units")
        source_unit = np.empty(len(geoms), dtype=int)
        source_unit[order] = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        filled = _fill_enclosed(united, group_keys, geoms, source_unit, log)
        # only now: GEOS builds the indexes of prepared geometries lazily, so two
        # threads must not test the same sources at once (the previous step did)
        overlaps = pool.submit(_cross_overlaps, geoms, keys)
        step(f"cleaning the coverage of {len(filled):,} units")
        cleaned = clean_coverage(filled, workers)
        _log_overlaps(overlaps.result(), cleaned, group_keys, log)
        aside = aside.result() if aside else None

    step("filling gaps between units")
    final = _fill_gaps(cleaned, group_keys, gap_width, log, workers)

    verify = ThreadPoolExecutor(1)  # the result is checked for gaps while the caller goes on
    gaps_left = verify.submit(lambda: len(_gaps_of(shapely.coverage_union_all(final))))
    verify.shutdown(wait=False)
    index = pd.Index(group_keys, name="key")
    repairs = gpd.GeoDataFrame(log, columns=REPAIR_COLUMNS + ["geometry"], geometry="geometry")
    pieces = repairs.geometry.to_numpy()
    repairs["area"] = shapely.area(pieces)
    is_gap = (repairs["kind"] == "gap").to_numpy()
    repairs.loc[is_gap, "width"] = 2 * repairs["area"][is_gap] / shapely.length(pieces[is_gap])
    return Dissolved(gpd.GeoSeries(final, index=index), repairs, gpd.GeoSeries(united, index=index), gaps_left, aside)
