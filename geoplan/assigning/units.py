"""The units features are assigned to: a merge result (its new units, the crosswalk of pieces
to the old units and the plan behind it), any layer of polygons, or a plan alone (enough to
convert old addresses, not to place geometries).

Units keep the order of their layer: it settles a point on the border of two units, and places
where units overlap (the first unit listed takes them; a merge result's units never overlap).

>>> import geopandas as gpd, shapely
>>> units = load_units(gpd.GeoDataFrame({"code": ["01"], "name": ["Xã A"]}, geometry=[shapely.box(0, 0, 1, 1)],
...                                     crs="EPSG:4326"), AssignOptions())
>>> units.table.values.tolist(), units.kind
([['01', 'Xã A', '', '']], 'layer')
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..engine.geometry import is_polygonal, valid_polygons
from ..errors import InputError
from ..i18n import Option
from ..threads import in_daemon_thread, in_threads
from ..io.layers import list_layers, read_layer
from ..link.fields import ROLES, guess_field
from ..measure.area import fast_area_km2, has_area, to_lonlat
from ..plan.catalogue import BUILTIN, read_plan
from ..plan.model import Plan
from .grid import PointGrid
from .options import AssignOptions

COLUMNS = ["code", "name", "parent", "parent_code"]
PARENT_CODE = ("parent_code", "province_code", "ma_tinh")
SHARE_COLUMNS = ["old_code", "new_code", "area_share", "pop_share", "basis"]


@dataclass
class Units:
    """Units in the layer's order: ``table`` (code, name, parent, parent_code as text), their
    polygons in lon/lat (``geoms``; None for a plan alone), and what a merge result adds: the
    ``plan``, the ``shares`` of each old unit in each new one, and the crosswalk's pieces as
    units of their own (``old``: columns old_code, old_name, new_code) for the old unit of a point."""

    table: pd.DataFrame
    geoms: np.ndarray | None
    label: str
    kind: str = "layer"  # "result", "layer" or "plan"
    plan: Plan | None = None
    shares: pd.DataFrame | None = None
    old: Units | None = None
    repaired: int = 0
    fields: dict = field(default_factory=dict)
    _grid: PointGrid | None = field(default=None, repr=False)
    _tree: object = field(default=None, repr=False)
    _exclusive: np.ndarray | None = field(default=None, repr=False)
    _exclusive_soon: Future | None = field(default=None, repr=False)

    def grid(self) -> PointGrid:
        """The grid that places points (:mod:`.grid`), built once."""
        if self._grid is None:
            self._grid = PointGrid.build(self.geoms)
        return self._grid

    def prepared(self) -> np.ndarray:
        """The units' polygons, prepared (GEOS's indexes for predicates), once."""
        shapely.prepare(self.geoms)  # (a no-op for those prepared already)
        return self.geoms

    def exclusive(self) -> np.ndarray:
        """The units' polygons without what units listed before them cover: where units overlap,
        the first takes the overlap (as a point there goes to it). The overlaps are found by the
        arrangement (:mod:`geoplan.engine.arrange`); a merge result's units never overlap.

        >>> units = Units(pd.DataFrame({"code": ["a", "b"]}), np.array([shapely.box(0, 0, 2, 1), shapely.box(1, 0, 3, 1)]), "")
        >>> [g.bounds for g in units.exclusive()]
        [(0.0, 0.0, 2.0, 1.0), (2.0, 0.0, 3.0, 1.0)]
        """
        if self._exclusive is None:
            soon, self._exclusive_soon = self._exclusive_soon, None
            self._exclusive = soon.result() if soon is not None else self._exclusive_polygons()
            shapely.prepare(self._exclusive)  # (here: the other thread only reads the polygons)
        return self._exclusive

    def exclusive_soon(self) -> None:
        """Start :meth:`exclusive` in a thread of its own (the arrangement releases the GIL), so
        that it is ready when the features, read and measured meanwhile, are cut. A daemon
        thread: a run that fails or is interrupted meanwhile ends without waiting for it.

        >>> units = Units(pd.DataFrame({"code": ["a"]}), np.array([shapely.box(0, 0, 1, 1)]), "")
        >>> units.exclusive_soon(); units.exclusive()[0].bounds
        (0.0, 0.0, 1.0, 1.0)
        """
        if self._exclusive is None and self._exclusive_soon is None and self.geoms is not None:
            self._exclusive_soon = in_daemon_thread(self._exclusive_polygons)

    def _exclusive_polygons(self) -> np.ndarray:
        return self.geoms if self.kind == "result" else _without_overlaps(self.geoms)

    def tree(self) -> shapely.STRtree:
        """A spatial index of the polygons, built once."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    def area_km2(self) -> np.ndarray:
        """Each unit's area (km2, :func:`geoplan.measure.area.fast_area_km2`: the share of a unit
        that features cover needs no more than its 1e-6)."""
        return fast_area_km2(self.geoms)

    def __getstate__(self):  # sent to dask workers: the spatial index is rebuilt there, polygons prepared again
        return {**self.__dict__, "_tree": None, "_exclusive_soon": None}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for geoms in (self.geoms, self._exclusive):
            if geoms is not None:
                shapely.prepare(geoms)


def _without_overlaps(geoms: np.ndarray) -> np.ndarray:
    """Each polygon less the polygons before it that overlap it (found by the arrangement)."""
    from ..engine.arrange import arrange, int32

    present = np.flatnonzero(has_area(geoms))
    out = arrange(geoms[present], np.arange(len(present)), len(present), geographic=True)
    kind, group = int32(out, "piece_kind"), int32(out, "piece_group")
    bounds, others = int32(out, "piece_other_offsets"), int32(out, "piece_other")
    earlier: dict[int, set] = {}
    for piece in np.flatnonzero(kind == 3):  # an overlap: the receiving unit and the others covering it
        covering = sorted({int(group[piece]), *others[bounds[piece]:bounds[piece + 1]].tolist()})
        for k, later in enumerate(covering[1:], start=1):
            earlier.setdefault(later, set()).update(covering[:k])
    exclusive = np.array(geoms, dtype=object)
    for later, before in earlier.items():
        exclusive[present[later]] = shapely.difference(geoms[present[later]],
                                                       shapely.union_all(geoms[present[sorted(before)]]))
    return exclusive


def load_units(units, options: AssignOptions) -> Units:
    """Units from a MergeResult, a GeoDataFrame, a Plan, a built-in plan name, or a file: a
    merge result GeoPackage, a plan file (CSV or JSON), or any layer of polygons.

    >>> load_units("vn-2025-commune", AssignOptions()).kind
    'plan'
    """
    if isinstance(units, Plan):
        return _plan_units(units, str(units.name))
    if hasattr(units, "crosswalk") and hasattr(units, "units"):  # a MergeResult
        return _result_units(units.units, units.crosswalk, _result_plan(units.report.plan, units.lineage, options),
                             "result")
    if hasattr(units, "geometry") and hasattr(units, "crs"):
        return _layer_units(units, options, "units")
    if not isinstance(units, (str, os.PathLike)):
        raise InputError("assign.units_kind", kind=type(units).__name__)
    if str(units) in BUILTIN or Path(units).suffix.lower() in (".csv", ".json"):
        return _plan_units(read_plan(units), str(units))
    path = Path(units)
    if path.suffix.lower() == ".gpkg" and path.exists() and {"units", "crosswalk"} <= set(list_layers(path)):
        return _result_file(path, options)
    return _layer_units(read_layer(path, options.units_layer, option_prefix="--units-"), options, str(path))


def _plan_units(plan: Plan, label: str) -> Units:
    new = plan.new_units()
    table = pd.DataFrame({"code": new["new_code"], "name": new["new_name"], "parent": new["new_parent"],
                          "parent_code": new["new_parent_code"]}).fillna("").astype(str)
    return Units(table, None, label, "plan", plan)


def _layer_units(frame, options: AssignOptions, label: str) -> Units:
    """Units from a layer of polygons: fields given, else found by their usual names."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    given = {"code": options.unit_code, "name": options.unit_name, "parent": options.unit_parent}
    for role, name in given.items():
        if name is not None and name not in columns:
            raise InputError("assign.no_unit_field", path=label, field=name, option=Option(f"unit_{role}"),
                             fields=", ".join(map(str, columns)))
    found = {role: guess_field(columns, (given[role], *ROLES[role])) for role in given}
    found["parent_code"] = guess_field(columns, PARENT_CODE)
    table = pd.DataFrame({role: _text(frame[found[role]]) if found[role] else "" for role in COLUMNS})
    if found["code"] is None:  # units without codes are known by their row
        table["code"] = np.arange(len(frame)).astype(str)
    geoms, repaired = _polygons(frame.geometry.to_numpy(), frame.crs)
    plan = read_plan(options.plan) if options.plan is not None else None
    return Units(table.reset_index(drop=True), geoms, label, "layer", plan, repaired=repaired, fields=found)


def _text(values: pd.Series) -> pd.Series:
    from ..values import as_code

    return as_code(values).fillna("").astype(str).reset_index(drop=True)


def _polygons(geoms: np.ndarray, crs) -> tuple[np.ndarray, int]:
    """Polygons in lon/lat, invalid ones repaired (and counted); missing or empty ones as None."""
    fixed = np.array(to_lonlat(geoms, crs), dtype=object)
    invalid = np.flatnonzero(is_polygonal(fixed))
    invalid = invalid[~in_threads(shapely.is_valid, fixed[invalid])]  # (the longest step of loading)
    fixed[invalid] = valid_polygons(fixed[invalid])
    fixed[~has_area(fixed)] = None
    return fixed, len(invalid)


def _result_file(path: Path, options: AssignOptions) -> Units:
    import pyogrio

    from ..io.result import read_result

    layers = read_result(path, warn_missing=(), wanted=("lineage", "about"))
    crosswalk = pyogrio.read_dataframe(path, layer="crosswalk")
    plan = _result_plan(layers.about.get("plan", ""), layers.lineage, options)
    return _result_units(layers.units, crosswalk, plan, str(path))


def _result_plan(name: str, lineage: pd.DataFrame | None, options: AssignOptions) -> Plan | None:
    """The plan of a merge result: the one given, else its built-in plan, else its lineage's links."""
    if options.plan is not None:
        return read_plan(options.plan)
    if name in BUILTIN:
        return read_plan(name)
    if lineage is None:
        return None
    links = lineage[lineage["link"].isin(["full", "partial"])]
    columns = ["old_code", "new_code", "new_name", "link", "old_name", "old_parent", "new_parent"]
    return Plan.from_frame(links[[c for c in columns if c in links]].fillna("").astype(str), name or "lineage") \
        if len(links) else None


def _result_units(units, crosswalk, plan: Plan | None, label: str) -> Units:
    """Units of a merge result, the crosswalk's pieces as old units, the shares of each old unit."""
    table = pd.DataFrame({c: units[c].fillna("").astype(str).to_numpy() if c in units else "" for c in COLUMNS})
    geoms, repaired = _polygons(units.geometry.to_numpy(), units.crs)
    old = None
    if "geometry" in crosswalk and crosswalk.geometry.notna().any():
        pieces = pd.DataFrame({c: crosswalk[c].fillna("").astype(str).to_numpy()
                               for c in ("old_code", "old_name", "new_code")})
        old = Units(pieces, _polygons(crosswalk.geometry.to_numpy(), crosswalk.crs)[0], label, "pieces")
    return Units(table, geoms, label, "result", plan, _shares(crosswalk), old, repaired)


def _shares(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Per (old unit, new unit): the shares of the old unit's area and population it received,
    and their basis; shares of a divided old unit that went whole to one new unit for lack of
    geometry (basis ``approximate``) are unknown.

    >>> _shares(pd.DataFrame({"old_code": ["1", "1", "2"], "new_code": ["A", "B", "A"], "area_share": [0.25, 0.75, 1.0],
    ...                       "pop_share": [None, None, 1.0], "basis": ["split:reference"] * 2 + ["approximate"]}))
      old_code new_code  area_share  pop_share            basis
    0        1        A        0.25        NaN  split:reference
    1        1        B        0.75        NaN  split:reference
    2        2        A         NaN        NaN      approximate
    """
    frame = pd.DataFrame({c: crosswalk[c] if c in crosswalk else np.nan for c in SHARE_COLUMNS})
    frame[["old_code", "new_code", "basis"]] = frame[["old_code", "new_code", "basis"]].fillna("").astype(str)
    grouped = frame.groupby(["old_code", "new_code"], sort=False)
    shares = grouped[["area_share", "pop_share"]].sum(min_count=1)
    shares["basis"] = grouped["basis"].agg(lambda b: ",".join(sorted(set(b))))
    shares = shares.reset_index()
    shares.loc[shares["basis"].str.contains("approximate"), ["area_share", "pop_share"]] = np.nan
    return shares
