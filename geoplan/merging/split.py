"""Split divided old units along a reference layer of the new units.

A divided old unit (``partial`` links) goes whole to its default new unit for
lack of geometry. With a reference (:mod:`geoplan.merging.reference`), each of
its polygons is cut: the part lying in the reference polygon of one of the
plan's new units for it goes to that unit, only among those units. Explicit,
logged rules decide the rest:

- ``reference overlap``: where the reference polygons of two of its units
  overlap, the part goes to the unit holding more of the old polygon;
- ``not linked`` / ``reference gap``: a part the reference gives to a unit the
  plan does not link it to, or to no unit at all, goes to the plan's unit whose
  part it shares the longest border with (else the largest part);
- ``sliver``: a part narrower than the gap width goes to the neighbouring part
  with the longest border;
- ``no reference polygon``: when none of its units' reference polygons holds
  any of it, the old polygon stays whole (``approximate``).

Whole old units are never cut: they keep their own geometry.

>>> import shapely
>>> from geoplan.merging.reference import Reference
>>> reference = Reference(pd.Series({"A": shapely.box(0, 0, 1, 2), "B": shapely.box(1, 0, 3, 2)}), "code", "ref")
>>> parts, log = cut(shapely.box(0.5, 0, 2, 1), ["A", "B"], reference, 0.01, False)
>>> {code: round(part.area, 2) for code, part in parts.items()}, log
({'B': 1.0, 'A': 0.5}, [])
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..engine.dissolve import gap_widths
from ..engine.geometry import polygonal_part

SPLIT_LOG_NONE = gpd.GeoDataFrame({"kind": [], "rule": [], "receiving_code": [], "other_codes": [], "area": [],
                                   "width": []}, geometry=[])
TOUCH = 1e-9  # relative to the polygon's size: how close two parts' borders must be to count as shared


def cut(polygon, targets: list[str], reference, gap_width: float, geographic: bool):
    """The parts of one old polygon by new unit (``{code: polygon}``, empty when no reference
    polygon of ``targets`` holds any of it), and the log of the rules applied: a list of
    ``(rule, receiving code, other code or "", piece)``. ``reference``: a
    :class:`geoplan.merging.reference.Reference`; ``gap_width`` in CRS units."""
    own = [(t, reference.shapes[t]) for t in targets if t in reference.shapes.index]
    held = [(t, shape, shapely.intersection(polygon, shape)) for t, shape in own]
    held = sorted([h for h in held if h[2].area > 0], key=lambda h: -h[2].area)
    if not held:
        return {}, []
    parts, log, remaining = {}, [], polygon
    for code, shape, inside in held:
        if remaining is polygon:  # the first: what it holds, computed already; nothing taken before it
            part, taken = polygonal_part(inside), None
        else:
            part = polygonal_part(shapely.intersection(remaining, shape))
            taken = polygonal_part(shapely.difference(inside, part))  # held by a unit placed before: an overlap
        if taken is not None and taken.area > 0:
            log.append(("reference overlap", _longest_border(taken, parts), code, taken))
        if part.area > 0:
            parts[code] = part
            remaining = shapely.difference(remaining, shape)
    leftovers = [p for p in shapely.get_parts(polygonal_part(remaining)) if p.area > 0]
    for piece in leftovers:
        receiving = _longest_border(piece, parts)
        rule, elsewhere = _leftover_rule(piece, reference, targets)
        parts[receiving] = shapely.union(parts[receiving], piece)
        log.append((rule, receiving, elsewhere, piece))
    return _without_slivers(parts, gap_width, geographic, log), log


def _leftover_rule(piece, reference, targets: list[str]) -> tuple[str, str]:
    """Why a part went to none of the plan's ``targets``: the reference polygon of another unit
    holds it (``not linked``, with that unit's code: the one holding a point inside the part),
    or none does (``reference gap``)."""
    point = shapely.point_on_surface(piece)
    near = reference.tree.query(point)  # boxes; then the polygons
    found = near[shapely.contains(reference.polygons[near], point)]
    codes = [code for code in reference.codes[found] if code not in targets]
    return ("not linked", str(codes[0])) if codes else ("reference gap", "")


def _longest_border(piece, parts: dict) -> str:
    """The code of the part sharing the longest border with ``piece`` (else the largest part)."""
    eps = TOUCH * max(1.0, *map(abs, shapely.bounds(piece)))
    codes = list(parts)
    shapes = np.array([parts[code] for code in codes], dtype=object)
    near = shapely.buffer(piece, eps * 10)
    borders = shapely.clip_by_rect(shapely.boundary(shapes), *shapely.bounds(near))  # (cheap: the parts are large)
    lengths = shapely.length(shapely.intersection(borders, near))
    if lengths.max() > 0:
        return codes[int(np.argmax(lengths))]
    return codes[int(np.argmax(shapely.area(shapes)))]


def _without_slivers(parts: dict, gap_width: float, geographic: bool, log: list) -> dict:
    """Pieces of parts narrower than ``gap_width`` go to the neighbouring part with the longest border."""
    for code in list(parts):
        if len(parts) < 2:
            break
        pieces = shapely.get_parts(parts[code])
        thin = gap_widths(pieces, geographic) < gap_width
        if not thin.any():
            continue
        others = {c: p for c, p in parts.items() if c != code}
        kept = pieces[~thin]
        for piece in pieces[thin]:
            receiving = _longest_border(piece, others)
            others[receiving] = parts[receiving] = shapely.union(parts[receiving], piece)
            log.append(("sliver", receiving, code, piece))
        if len(kept):
            parts[code] = shapely.union_all(kept)
        else:
            del parts[code]
    return parts


def split_pieces(pieces, shapes: np.ndarray, reference, plan, gap_width: float, geographic: bool):
    """Cut every ``approximate`` piece (a divided old unit that went whole) along ``reference``
    (:class:`geoplan.merging.reference.Reference`): returns the rows and polygons (in the
    layer's CRS) of the new pieces, one per part, with the index of the piece each came from
    (``source``), and the log of the rules applied as engine-style repairs (kind ``split``)."""
    targets = plan.targets()
    divided = np.flatnonzero(pieces["basis"].to_numpy() == "approximate")
    old_codes, new_codes = pieces["old_code"].to_numpy()[divided], pieces["new_code"].to_numpy()[divided]
    reference.tree, reference.polygons, reference.codes  # noqa: B018 (made now: the threads below read them)
    with ThreadPoolExecutor(2) as pool:  # GEOS releases the GIL: two units are cut at once, in order
        cuts = pool.map(lambda k: cut(shapes[divided[k]], targets.get(old_codes[k], []), reference, gap_width,
                                      geographic), range(len(divided)))
        rows, parts_out, log = [], [], []
        for i, old_code, new_code, (parts, rules) in zip(divided, old_codes, new_codes, cuts):
            log += [(rule, receiving, other, piece, old_code) for rule, receiving, other, piece in rules]
            if not parts:
                log.append(("no reference polygon", new_code, "", shapes[i], old_code))
                continue
            for code, part in parts.items():
                rows.append({"source": i, "new_code": code})
                parts_out.append(part)
    return pd.DataFrame(rows, columns=["source", "new_code"]), np.array(parts_out, dtype=object), log_frame(log)


def log_frame(log: list) -> gpd.GeoDataFrame:
    """The split log as engine-style repairs: kind ``split``, the rule, the unit receiving the
    part, the other unit involved (and the old unit), the part's area and geometry."""
    if not log:
        return SPLIT_LOG_NONE
    geoms = np.array([entry[3] for entry in log], dtype=object)
    return gpd.GeoDataFrame({
        "kind": "split",
        "rule": [entry[0] for entry in log],
        "receiving_code": [entry[1] for entry in log],
        "other_codes": [",".join(c for c in (entry[2], f"old {entry[4]}") if c) for entry in log],
        "area": shapely.area(geoms) if len(geoms) else [],
        "width": np.nan,
    }, geometry=list(geoms))
