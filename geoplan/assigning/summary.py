"""What an assignment did, counted chunk by chunk from its output (so that the local and the dask
engines count alike): the tally for the report, and the summary per unit.

The summary has one row per unit (and per class of the ``summarise`` field, when given): the
features in it (``n_features``: points, or pieces of lines and polygons), their ``length_m``,
their ``area_km2`` and ``area_ha`` and the share of the unit's area they cover (``unit_share``).
What lies in no unit is a row with an empty code. Without a field, every unit has its row, 0
where nothing fell in it.

>>> tally = Tally()
>>> tally.add(pa.table({"feature": [0, 1], "code": pa.array(["A", None]).dictionary_encode(),
...                     "placed": pa.array(["inside", "outside"]).dictionary_encode(),
...                     "geometry": shapely.to_wkb([shapely.Point(1, 2), shapely.Point(9, 9)])}), None)
>>> tally.rows, tally.placed, tally.examples
(2, {'inside': 1, 'outside': 1}, [(1, 9.0, 9.0)])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from ..io.stream import GEOMETRY
from .units import COLUMNS, Units

EXAMPLES = 10  # features in no unit listed in the report
MEASURES = ("n_features", "length_m", "area_km2")


@dataclass
class Tally:
    """Counts over the output rows: rows, features, rows by ``placed``, repaired features,
    features cut into several units, measures of the features inside and outside units, the
    first features in no unit (feature, lon, lat) and the summary's partial sums."""

    rows: int = 0
    features: int = 0
    placed: dict = field(default_factory=dict)
    repaired: int = 0
    cut: int = 0
    measure: dict = field(default_factory=dict)  # {"inside"/"outside": length or area}
    examples: list = field(default_factory=list)
    partial: list = field(default_factory=list)

    def add(self, out: pa.Table, summarise_field: str | None) -> None:
        """Count one chunk of output (see :mod:`.features`)."""
        unit = _indices(out.column("code"))
        placed = out.column("placed").combine_chunks()
        feature = out.column("feature").to_numpy()
        pieces = "length_m" in out.column_names or "area_km2" in out.column_names
        self.rows += out.num_rows
        self.features += _runs(feature) if pieces else out.num_rows
        for name, n in zip(placed.dictionary.to_pylist(), np.bincount(_indices(placed), minlength=len(placed.dictionary))):
            if n:
                self.placed[name] = self.placed.get(name, 0) + int(n)
        if "repaired" in out.column_names:
            self.repaired += _runs(feature[out.column("repaired").to_numpy(zero_copy_only=False) == True])  # noqa: E712
        size = _size(out)
        if size is not None:
            inside = unit >= 0
            self.cut += _runs(feature[inside], longer_than=1)
            for key, mask in (("inside", inside), ("outside", ~inside)):
                self.measure[key] = self.measure.get(key, 0.0) + float(np.nansum(size[mask]))
        self._examples(out, feature, placed)
        self.partial.append(_partial(out, unit, summarise_field))

    def _examples(self, out: pa.Table, feature: np.ndarray, placed: pa.DictionaryArray) -> None:
        """The first features in no unit, where they lie (a point on their outside part)."""
        names = placed.dictionary.to_pylist()
        if len(self.examples) >= EXAMPLES or "outside" not in names:
            return
        rows = np.flatnonzero(_indices(placed) == names.index("outside"))[:EXAMPLES - len(self.examples)]
        if len(rows):
            wkb = out.column(GEOMETRY).take(rows).to_numpy(zero_copy_only=False)
            where = shapely.point_on_surface(shapely.from_wkb(np.asarray(wkb, dtype=object)))
            self.examples += [(int(f), float(x), float(y)) for f, x, y in
                              zip(feature[rows], shapely.get_x(where), shapely.get_y(where))]

    def merge(self, other: Tally) -> Tally:
        """This tally and ``other`` (a later chunk or partition) summed."""
        placed = {k: self.placed.get(k, 0) + other.placed.get(k, 0) for k in {**self.placed, **other.placed}}
        measure = {k: self.measure.get(k, 0.0) + other.measure.get(k, 0.0) for k in {**self.measure, **other.measure}}
        examples = sorted(self.examples + other.examples)[:EXAMPLES]
        return Tally(self.rows + other.rows, self.features + other.features, placed, self.repaired + other.repaired,
                     self.cut + other.cut, measure, examples, self.partial + other.partial)

    def summary(self, units: Units, summarise_field: str | None) -> pd.DataFrame:
        """The summary per unit (and class), see the module."""
        return summary_table(pd.concat(self.partial, ignore_index=True), units, summarise_field)


def _runs(feature: np.ndarray, longer_than: int = 0) -> int:
    """How many features have more than ``longer_than`` rows (a feature's rows are adjacent).

    >>> _runs(np.array([3, 3, 1, 4, 4])), _runs(np.array([3, 3, 1, 4, 4]), longer_than=1)
    (3, 2)
    """
    if not len(feature):
        return 0
    starts = np.flatnonzero(np.r_[True, feature[1:] != feature[:-1]])
    return int((np.diff(np.r_[starts, len(feature)]) > longer_than).sum())


def _indices(column) -> np.ndarray:
    """The indices of a dictionary column (-1 where null): for ``code``, each row's unit (the
    position of its code among the units' distinct codes)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return column.indices.fill_null(-1).to_numpy().astype(np.int64) if len(column) else np.zeros(0, dtype=np.int64)


def _size(out: pa.Table) -> np.ndarray | None:
    """Each row's area (km2), else its length (m); None for points."""
    for name in ("area_km2", "length_m"):
        if name in out.column_names:
            return out.column(name).to_numpy(zero_copy_only=False).astype(float)
    return None


def _partial(out: pa.Table, unit: np.ndarray, summarise_field: str | None) -> pd.DataFrame:
    """The chunk's sums per unit (and class)."""
    measures = {m: out.column(m).to_numpy(zero_copy_only=False).astype(float)
                for m in MEASURES[1:] if m in out.column_names}
    if summarise_field is None:  # counting by index is fast on millions of points
        n = np.bincount(unit + 1)
        seen = np.flatnonzero(n)
        return pd.DataFrame({"unit": seen - 1, "n_features": n[seen],
                             **{m: np.bincount(unit + 1, weights=np.nan_to_num(v), minlength=len(n))[seen]
                                for m, v in measures.items()}})
    keys = {"unit": unit, "class": out.column(summarise_field).cast(pa.string()).to_pandas().fillna("").to_numpy()}
    sums = pd.DataFrame({**keys, "n_features": 1, **measures})
    return sums.groupby(list(keys), sort=False).sum(min_count=1).reset_index()


def summary_table(partial: pd.DataFrame, units: Units, summarise_field: str | None) -> pd.DataFrame:
    """Partial sums added up and named by unit (see the module). ``unit`` in the partial sums is
    the position of the unit's code among the distinct codes (rows of a unit given twice count once).

    >>> import geopandas as gpd
    >>> from .options import AssignOptions
    >>> from .units import load_units
    >>> units = load_units(gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=4326),
    ...                    AssignOptions())
    >>> summary_table(pd.DataFrame({"unit": [0, -1], "n_features": [3, 1]}), units, None)[["code", "n_features"]].values.tolist()
    [['A', 3], ['B', 0], ['', 1]]
    """
    code, _ = pd.factorize(units.table["code"])
    first_row = np.unique(code, return_index=True)[1]
    keys = ["unit"] + (["class"] if summarise_field is not None else [])
    sums = partial.groupby(keys, sort=True).sum(min_count=1).reset_index() if len(partial) else partial
    if summarise_field is None:  # every unit has its row; what lies in none comes last
        every = pd.DataFrame({"unit": np.r_[np.arange(len(first_row)), -1]})
        sums = every.merge(sums, on="unit", how="left").fillna({"n_features": 0})
        sums = sums[(sums["unit"] >= 0) | (sums["n_features"] > 0)]
    else:
        sums = sums.sort_values(["unit", "class"], key=lambda v: v.where(v != -1, len(first_row)) if v.name == "unit" else v)
    unit = sums["unit"].to_numpy()
    named = units.table.iloc[first_row[np.maximum(unit, 0)]].reset_index(drop=True)
    named.loc[unit < 0, COLUMNS] = ""
    table = pd.concat([named[COLUMNS], sums.drop(columns="unit").reset_index(drop=True)], axis=1)
    table["n_features"] = table["n_features"].astype(np.int64)
    if summarise_field is not None:
        table = table.rename(columns={"class": summarise_field})
    if "area_km2" in table:
        table["area_ha"] = table["area_km2"] * 100
        unit_area = np.bincount(code, weights=units.area_km2(), minlength=len(first_row))
        table["unit_share"] = table["area_km2"] / np.where(unit >= 0, unit_area[np.maximum(unit, 0)], np.nan)
    return table
