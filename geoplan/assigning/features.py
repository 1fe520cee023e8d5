"""One chunk of features assigned to units: the chunk's attributes as they are, and per row the
feature's position in the input (``feature``), its unit (``code``, ``name``, ``parent``,
``parent_code``), how it was placed (``placed``), and by kind:

- points: one row each; ``old_code``, ``old_name`` (the old unit, when the units are a merge
  result); ``snap_m`` with snapping;
- lines and polygons cut at the boundaries (rule ``cut``): one row per piece, the piece as
  geometry, its ``length_m`` or ``area_km2`` and its ``share`` of the feature; the part in no
  unit is a piece too (``placed`` ``outside``);
- lines and polygons by rule ``centroid`` or ``largest``: one row per feature, its whole
  ``length_m`` or ``area_km2``; with ``largest``, the ``share`` of it in its unit.

``repaired`` says which invalid features were made valid. A feature without geometry keeps its
row (``placed`` ``no geometry``). An input column named like one of these is kept as
``input_<name>``. Geometries come out in lon/lat (EPSG:4326), as WKB.

>>> import geopandas as gpd
>>> from .units import load_units
>>> units = load_units(gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326), AssignOptions())
>>> job = Job(units, AssignOptions(), frozenset({0}), ["id"], "EPSG:4326")
>>> out = job.assign(pa.table({"id": [7], "geometry": shapely.to_wkb([shapely.Point(0.5, 0.5)])}), np.array([0]))
>>> out.select(["id", "feature", "code", "placed"]).to_pylist()
[{'id': 7, 'feature': 0, 'code': 'A', 'placed': 'inside'}]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import shapely

from ..engine.geometry import as_multi, single_parts_wkb, valid_polygons
from ..io.stream import GEOMETRY, point_coordinates, points_wkb
from ..measure.area import has_area, to_lonlat
from ..threads import in_threads
from .cut import cut, of_dimension
from .grid import OUTSIDE
from .measure import measure
from .options import AssignOptions
from .points import INSIDE, NO_GEOMETRY, NOWHERE, PLACED, locate_points, old_units
from .units import COLUMNS, Units


@dataclass
class Job:
    """How the chunks of one layer are assigned: the units, the options, the geometry
    dimensions the layer holds (0 points, 1 lines, 2 polygons), its attribute columns and CRS."""

    units: Units
    options: AssignOptions
    dimensions: frozenset
    columns: list
    crs: object
    threads: int | None = None
    multi: bool = True  # polygons as MultiPolygons, lines as MultiLineStrings (formats with one geometry type)
    _names: dict | None = field(default=None, repr=False)
    _small: bool | None = field(default=None, repr=False)

    @property
    def lonlat(self) -> bool:
        """Whether the layer is in lon/lat on WGS 84 already."""
        probe = np.array([shapely.Point(0, 0)], dtype=object)
        return to_lonlat(probe, self.crs) is probe

    @property
    def with_old(self) -> bool:
        return 0 in self.dimensions and self.units.old is not None

    def added(self) -> list[str]:
        """The columns the assignment adds, in order."""
        names = ["feature", *COLUMNS] + (["old_code", "old_name"] if self.with_old else []) + ["placed"]
        if 0 in self.dimensions and self.options.snap_m is not None:
            names.append("snap_m")
        if self.dimensions - {0}:
            names += (["share"] if self.options.rule != "centroid" else [])
            names += (["length_m"] if 1 in self.dimensions else []) + (["area_km2"] if 2 in self.dimensions else [])
            names.append("repaired")
        return names

    def renamed(self) -> dict[str, str]:
        """Input columns named like an added one, and the name they keep: ``input_<name>``."""
        taken = set(self.added()) | {GEOMETRY}
        return {c: f"input_{c}" for c in self.columns if c in taken}

    @property
    def summarise_field(self) -> str | None:
        """The column to summarise by, as named in the output."""
        field = self.options.summarise_field
        return self.renamed().get(field, field) if field is not None else None

    def assign(self, table: pa.Table, feature: np.ndarray) -> pa.Table:
        """The chunk ``table`` (attributes and WKB ``geometry``) with each row assigned (see the
        module); ``feature`` numbers its rows (their position in the input)."""
        attributes = table.drop_columns([GEOMETRY]).rename_columns(
            [self.renamed().get(c, c) for c in table.column_names if c != GEOMETRY])
        wkb = table.column(GEOMETRY).combine_chunks()
        coordinates = point_coordinates(wkb) if self.dimensions == {0} else None
        if coordinates is not None:  # the fast path: plain points, read from their bytes
            if not self.lonlat:
                lonlat = to_lonlat(shapely.points(*coordinates), self.crs)
                coordinates = shapely.get_x(lonlat), shapely.get_y(lonlat)
                wkb = points_wkb(*coordinates)
            return self._points(attributes, feature, *coordinates, wkb)
        geoms = to_lonlat(shapely.from_wkb(np.asarray(wkb.to_numpy(zero_copy_only=False), dtype=object)), self.crs)
        dims = np.where(has_area(geoms), shapely.get_dimensions(geoms), -1)
        single_point = (shapely.get_type_id(geoms) == 0) | ((dims == -1) & (self.dimensions == {0}))
        parts = []
        rows = np.flatnonzero(single_point)
        if len(rows):
            x, y = shapely.get_x(geoms[rows]), shapely.get_y(geoms[rows])
            parts.append(self._points(attributes.take(rows), feature[rows], x, y, points_wkb(x, y, np.isnan(x))))
        rows = np.flatnonzero(~single_point)
        if len(rows):
            parts.append(self._others(attributes.take(rows), feature[rows], geoms[rows], dims[rows]))
        out = pa.concat_tables(parts, promote_options="default") if len(parts) > 1 else parts[0]
        return out.take(np.argsort(out.column("feature").to_numpy(), kind="stable")) if len(parts) > 1 else out

    def _points(self, attributes, feature, x, y, wkb) -> pa.Table:
        unit, how, metres = locate_points(x, y, self.units, self.options.snap_m)
        columns = {"feature": pa.array(feature, pa.int64()), **self.unit_columns(unit)}
        if self.with_old:
            piece = old_units(x, y, unit, self.units)
            for name in ("old_code", "old_name"):
                where, values = _distinct(self.units.old.table[name])
                columns[name] = _dictionary(np.where(piece >= 0, where[np.maximum(piece, 0)], -1), values)
        columns["placed"] = _dictionary(how, pa.array(PLACED))
        if "snap_m" in self.added():
            columns["snap_m"] = pa.array(metres, pa.float64(), from_pandas=True)
        return _table(attributes, self._complete(columns), wkb)

    def _others(self, attributes, features, geoms, dims) -> pa.Table:
        repaired = _repair(geoms, dims, self.threads)
        own_length, own_area = measure(geoms, dims)
        own = np.where(dims == 2, own_area, own_length)
        made = None
        if self.options.rule == "cut":
            pieces = self._cut(geoms)
            feature, unit, shapes, known, made = _with_missing(pieces, dims)
            length, area = own_length[feature], own_area[feature]  # a feature that went whole keeps its measures
            cut_up = np.flatnonzero([shape is not whole for shape, whole in zip(shapes, geoms[feature])])
            length[cut_up], area[cut_up] = _measured(shapes[cut_up], dims[feature[cut_up]], known[cut_up])
            share = np.where(dims[feature] == 2, area, length) / own[feature]
        else:
            feature, shapes, (length, area) = np.arange(len(geoms)), geoms, (own_length, own_area)
            unit, share = self._one_unit(geoms, dims, own)
        how = np.where(dims[feature] < 0, NO_GEOMETRY, np.where(unit >= 0, INSIDE, NOWHERE))
        columns = {"feature": pa.array(features[feature], pa.int64()), **self.unit_columns(unit),
                   "placed": _dictionary(how, pa.array(PLACED))}
        if share is not None:
            columns["share"] = pa.array(share, pa.float64(), from_pandas=True)
        columns["length_m"] = pa.array(length, pa.float64(), from_pandas=True)
        columns["area_km2"] = pa.array(area, pa.float64(), from_pandas=True)
        columns["repaired"] = pa.array(repaired[feature])
        return _table(attributes.take(feature), self._complete(columns), self._wkb(shapes, made))

    def _wkb(self, shapes: np.ndarray, made: np.ndarray | None) -> pa.Array:
        """The output's geometries as WKB: ``shapes``, but where ``made`` (or None) holds the WKB
        of a piece already (a MultiPolygon), that; in formats that take both, Polygons where
        they have one part."""
        wkb = shapely.to_wkb(as_multi(shapes) if self.multi else shapes)
        if made is not None:
            has = np.flatnonzero(made != None)  # (element-wise)
            wkb[has] = made[has] if self.multi else single_parts_wkb(made[has])
        return pa.array(wkb, pa.binary())

    def _one_unit(self, geoms, dims, own) -> tuple[np.ndarray, np.ndarray | None]:
        """One unit per feature: that of its centroid, or of its largest part; and, for the
        largest part, its share of the feature."""
        if self.options.rule == "centroid":
            centre = shapely.centroid(geoms)
            unit = self.units.grid().locate(shapely.get_x(centre), shapely.get_y(centre))
            return np.where(dims >= 0, unit, OUTSIDE), None
        pieces = self._cut(geoms)
        length, area = _measured(pieces.geoms, dims[pieces.feature], pieces.area_km2)
        size = np.where(dims[pieces.feature] == 2, area, length)
        inside = pieces.unit >= 0
        order = np.lexsort((pieces.unit[inside], -size[inside], pieces.feature[inside]))
        feature, unit, size = pieces.feature[inside][order], pieces.unit[inside][order], size[inside][order]
        first = np.r_[True, feature[1:] != feature[:-1]] if len(feature) else np.zeros(0, dtype=bool)
        chosen = np.full(len(geoms), OUTSIDE, dtype=np.int32)
        chosen[feature[first]] = unit[first]
        share = np.full(len(geoms), np.nan)
        share[feature[first]] = size[first] / own[feature[first]]
        return chosen, share

    def _cut(self, geoms: np.ndarray):
        """The pieces of ``geoms`` in the units (:func:`.cut`)."""
        return cut(geoms, self.units.prepared(), self._grid_for(geoms), self.threads, self.units.exclusive)

    def _grid_for(self, geoms: np.ndarray):
        """The point grid when it helps cutting: features far smaller than units (buildings,
        parcels) mostly lie in one cell; features of the units' size never do (not built then)."""
        if self._small is None:
            size = lambda g: np.nanmedian(np.ptp(shapely.bounds(g).reshape(-1, 2, 2), axis=1).max(axis=1))  # noqa: E731
            self._small = bool(size(geoms[has_area(geoms)]) < size(self.units.geoms[has_area(self.units.geoms)]) / 20)
        return self.units.grid() if self._small else None

    def unit_columns(self, unit: np.ndarray) -> dict[str, pa.Array]:
        """The unit's code, name, parent and parent code per row, as dictionary arrays (empty for none)."""
        if self._names is None:  # each column's distinct values, and where each unit's value is among them
            self._names = {name: _distinct(self.units.table[name]) for name in COLUMNS}
        return {name: _dictionary(np.where(unit >= 0, where[np.maximum(unit, 0)], -1), values)
                for name, (where, values) in self._names.items()}

    def _complete(self, columns: dict) -> dict:
        """The added columns in order, those a part of a mixed layer lacks as nulls."""
        n = len(columns["feature"])
        return {name: columns.get(name, pa.nulls(n, pa.float64() if name != "repaired" else pa.bool_()))
                for name in self.added()}


def _table(attributes: pa.Table, columns: dict, wkb) -> pa.Table:
    for name, values in columns.items():
        attributes = attributes.append_column(name, values)
    return attributes.append_column(GEOMETRY, wkb)


def _distinct(values) -> tuple[np.ndarray, pa.Array]:
    """The distinct values of a column (a dictionary's values must be distinct, or Parquet writes
    them out in full) and the position of each row's value among them.

    >>> where, values = _distinct(["Xã A", "Xã B", "Xã A"])
    >>> where.tolist(), values.to_pylist()
    ([0, 1, 0], ['Xã A', 'Xã B'])
    """
    import pandas as pd

    where, values = pd.factorize(pd.Series(list(values), dtype=object))
    return where.astype(np.int32), pa.array(list(values), pa.string())


def _dictionary(index: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
    """Values by index as a dictionary array; null where the index is below 0."""
    index = np.asarray(index, dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(index, mask=index < 0) if (index < 0).any() else pa.array(index),
                                          values)


def _repair(geoms: np.ndarray, dims: np.ndarray, threads: int | None = None) -> np.ndarray:
    """Make invalid lines and polygons valid, in place (their own dimension kept); which were."""
    bad = np.flatnonzero(dims >= 1)
    bad = bad[~in_threads(shapely.is_valid, geoms[bad], threads=threads)]
    if len(bad):
        geoms[bad] = of_dimension(valid_polygons(shapely.make_valid(geoms[bad])), dims[bad])
        dims[bad[~has_area(geoms[bad])]] = -1
    repaired = np.zeros(len(geoms), dtype=bool)
    repaired[bad] = True
    return repaired


def _with_missing(pieces, dims):
    """The pieces' features, units, geometries, known areas and WKB (see :class:`.cut.Pieces`),
    and a row without geometry for each feature that has none."""
    missing = np.flatnonzero(dims < 0)
    if not len(missing):
        return pieces.feature, pieces.unit, pieces.geoms, pieces.area_km2, pieces.wkb
    feature = np.concatenate([pieces.feature, missing])
    order = np.argsort(feature, kind="stable")
    unit = np.concatenate([pieces.unit, np.full(len(missing), OUTSIDE, dtype=np.int32)])
    none = np.full(len(missing), None, dtype=object)
    shapes, wkb = np.concatenate([pieces.geoms, none]), np.concatenate([pieces.wkb, none])
    known = np.concatenate([pieces.area_km2, np.full(len(missing), np.nan)])
    return feature[order], unit[order], shapes[order], known[order], wkb[order]


def _measured(shapes: np.ndarray, dims: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths and areas of pieces (:func:`.measure`), but for the areas ``known`` already (not NaN)."""
    length, area = np.full(len(shapes), np.nan), known.copy()
    todo = np.flatnonzero(np.isnan(known))
    length[todo], area[todo] = measure(shapes[todo], dims[todo])
    return length, area
