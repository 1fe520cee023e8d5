"""Split divided old units with lines a planner drew (in QGIS, say), where there is no reference layer.

Each divided old polygon (``partial`` links, gone whole for lack of geometry) is cut by the
lines crossing it into faces; each face goes to the plan's new unit for that old unit that
it shares the longest border with (the border with the other old polygons going to that
unit, measured in metres), logged (rule ``longest border``). A face bordering none of them
stays with the unit the polygon went to (rule ``no neighbour``); a polygon the lines do not
cut into several faces stays whole (rule ``not cut``).

>>> import shapely
>>> square = shapely.box(0, 0, 2, 1)
>>> [round(face.area, 2) for face in faces(square, [shapely.LineString([(1, -1), (1, 2)])])]
[1.0, 1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ..io.layers import LINEAR, layer_of
from ..link.infer import shared_border
from ..measure.area import METRES_PER_DEGREE, to_lonlat
from .split import log_frame


def read_lines(source, crs) -> np.ndarray:
    """The lines of a layer (a file or a GeoDataFrame), in the old layer's CRS."""
    frame = layer_of(source, "split lines", "--split-lines-", LINEAR)
    return frame[~(frame.geometry.isna() | frame.geometry.is_empty)].to_crs(crs).geometry.to_numpy()


def faces(polygon, lines) -> list:
    """The faces ``lines`` cut ``polygon`` into (the polygon itself when they do not cut it); a
    line ending inside the polygon is carried on along its last segment to the polygon's border."""
    crossing = [extended(part, polygon) for line in lines if shapely.intersects(line, polygon)
                for part in shapely.get_parts(shapely.line_merge(line))]
    if not crossing:
        return [polygon]
    noded = shapely.union_all([shapely.boundary(polygon), *crossing])  # nodes where the lines cross the border
    cells = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = cells[shapely.contains_properly(polygon, shapely.point_on_surface(cells))]
    return list(inside) if len(inside) > 1 else [polygon]


def extended(line, polygon):
    """``line`` with each end that lies inside ``polygon`` carried on straight (along its end
    segment) past the polygon's border, so that a line drawn a little short still cuts.

    >>> extended(shapely.LineString([(1, 0.5), (1, 0.9)]), shapely.box(0, 0, 2, 1)).bounds[1] < 0
    True
    """
    xy = shapely.get_coordinates(line)
    if len(xy) < 2 or not line.length > 0:
        return line
    reach = 2 * max(np.ptp(shapely.get_coordinates(shapely.envelope(polygon)), axis=0).max(), 1e-9)
    for end, toward in ((0, 0.05), (-1, 0.95)):  # the direction of the last twentieth of the line, not of a noisy vertex
        if shapely.contains(polygon, shapely.Point(xy[end])):
            direction = xy[end] - shapely.get_coordinates(shapely.line_interpolate_point(line, toward, normalized=True))[0]
            norm = np.hypot(*direction)
            if norm > 0:
                point = xy[end] + direction / norm * reach
                xy = np.vstack([point, xy]) if end == 0 else np.vstack([xy, point])
    return shapely.LineString(xy)


def split_by_lines(pieces, shapes: np.ndarray, lines: np.ndarray, plan, crs, gap_width_m: float):
    """Cut every ``approximate`` piece with ``lines``: the new pieces (``source``, ``new_code``),
    their polygons in the layer's CRS and the log of the rules applied (repairs of kind ``split``)."""
    targets = plan.targets()
    lonlat = pieces.geometry.to_numpy()
    tree = shapely.STRtree(lonlat)
    tolerance = gap_width_m / METRES_PER_DEGREE
    rows, parts_out, log = [], [], []
    for i in np.flatnonzero(pieces["basis"].to_numpy() == "approximate"):
        row = pieces.iloc[i]
        cells = faces(shapes[i], lines)
        if len(cells) == 1:
            log.append(("not cut", row["new_code"], "", shapes[i], row["old_code"]))
            continue
        by_unit: dict[str, list] = {}
        for cell in cells:
            code, rule = _bordering(to_lonlat([cell], crs)[0], i, targets.get(row["old_code"], []), pieces, tree, tolerance)
            by_unit.setdefault(code or row["new_code"], []).append(cell)
            log.append((rule, code or row["new_code"], "", cell, row["old_code"]))
        for code, cells_of in by_unit.items():
            rows.append({"source": i, "new_code": code})
            parts_out.append(shapely.union_all(cells_of))
    return pd.DataFrame(rows, columns=["source", "new_code"]), np.array(parts_out, dtype=object), log_frame(log)


def _bordering(cell, own: int, targets: list[str], pieces, tree, tolerance: float) -> tuple[str | None, str]:
    """The target unit whose other pieces share the longest border with ``cell`` (lon/lat), and the rule."""
    near = tree.query(cell, predicate="dwithin", distance=tolerance)
    near = near[(near != own) & pieces["new_code"].iloc[near].isin(targets).to_numpy()
                & (pieces["feature"].iloc[near].to_numpy() != pieces["feature"].iat[own])]
    if not len(near):
        return None, "no neighbour"
    lengths = shared_border(np.full(len(near), cell, dtype=object), pieces.geometry.to_numpy()[near], tolerance)
    totals = pd.Series(lengths).groupby(pieces["new_code"].iloc[near].to_numpy()).sum()
    return (str(totals.idxmax()), "longest border") if totals.max() > 0 else (None, "no neighbour")
