"""Carry any table kept per old unit onto the new units of a merge: ``geoplan transfer`` and
:func:`transfer`.

The table's rows are linked to the result's old units (:mod:`.transfer_table`),
its columns declared or guessed (:mod:`.transfer_columns`) and carried through the
result's crosswalk (:mod:`.transfer_carry`: the formulas, coverage and bounds);
:mod:`.transfer_output` says what was done and writes the table. Missing is never 0:
a new unit some of whose old units lack a value shows an empty value and its coverage.

>>> out = transfer("communes.gpkg", "stats_2023.csv", sums=("households",), means=("poverty_rate:households",))  # doctest: +SKIP
>>> out.table[["code", "households", "households_coverage", "poverty_rate"]].head()  # doctest: +SKIP
>>> print(out.summary())  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..i18n import Option, render
from ..io.result import read_crosswalk, read_result
from ..link.match import LinkResult
from ..measure.counts import whole_numbers
from .transfer_basis import Basis
from .transfer_carry import MISSING, SHARE_BY, Carrier
from .transfer_columns import Column, class_values, guess_columns, parse_columns
from .transfer_output import lacking, summary_lines
from .transfer_table import StatTable, link_rows, link_report, read_statistics


@dataclass(frozen=True)
class TransferOptions:
    """How a transfer reads, links and carries a table.

    Attributes
    ----------
    sums, means, shares : the columns to carry as sums, weighted means (``COL`` or
        ``COL:WEIGHT``, WEIGHT ``area`` by default, a column of the table or
        ``population``) and class shares; none given: guessed from the values.
    missing : ``empty`` (default: a new unit with incomplete coverage has no value) or
        ``zero`` (missing values count as 0).
    share_by : how a divided old unit's value is shared between its parts: ``population``
        (its census shares, where the merge summed one; else area) or ``area``.
    code_field, name_field, parent_field, district_field : the table's columns to link
        by (detected by content when not given).
    layer : the sheet of a workbook or layer of a vector file holding the table.
    encoding : the text encoding of a Shapefile table that does not say it.
    aliases : {name as the table writes it: name the result uses}.

    >>> TransferOptions(missing="none")
    Traceback (most recent call last):
    geoplan.errors.InputError: missing must be one of empty, zero, got 'none'
    """

    sums: tuple[str, ...] = ()
    means: tuple[str, ...] = ()
    shares: tuple[str, ...] = ()
    missing: str = "empty"
    share_by: str = "population"
    code_field: str | None = None
    name_field: str | None = None
    parent_field: str | None = None
    district_field: str | None = None
    layer: str | None = None
    encoding: str | None = None
    aliases: Mapping[str, str] | None = field(default=None, compare=False)

    def __post_init__(self):
        for name in ("sums", "means", "shares"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise InputError("transfer.option_list", option=Option(name), value=value)
            object.__setattr__(self, name, tuple(value))
        for name, allowed in (("missing", MISSING), ("share_by", SHARE_BY)):
            if getattr(self, name) not in allowed:
                raise InputError("transfer.option_choice", option=Option(name), allowed=", ".join(allowed),
                                 value=getattr(self, name))

    @classmethod
    def build(cls, options: TransferOptions | None = None, **changes) -> TransferOptions:
        """``options`` (or the defaults) with ``changes``; an unknown option is an InputError.

        >>> TransferOptions.build(None, sums=["pop"]).sums
        ('pop',)
        """
        known = [f.name for f in fields(cls)]
        unknown = [name for name in changes if name not in known]
        if unknown:
            raise InputError("transfer.unknown_option", name=unknown[0], known=", ".join(known))
        values = {f.name: getattr(options, f.name) for f in fields(cls)} if options else {}
        return cls(**{**values, **changes})

    @property
    def fields(self) -> dict[str, str | None]:
        """The table's link columns by role, as given.

        >>> TransferOptions(name_field="ten").fields["name"]
        'ten'
        """
        return {"code": self.code_field, "name": self.name_field, "parent": self.parent_field,
                "district": self.district_field}


@dataclass
class TransferResult:
    """What :func:`transfer` produced: ``table`` (one row per new unit: code, name, parent,
    parent_code, then each carried column with ``_coverage``, and ``_lower`` / ``_upper`` for
    sums where divided old units contribute; a GeoDataFrame when the units' geometry was read),
    ``columns`` (how each was carried), ``links`` (the linker's result for the rows).

    >>> out = transfer("communes.gpkg", "stats.csv")  # doctest: +SKIP
    >>> out.table.filter(like="_coverage").min()  # doctest: +SKIP
    """

    table: pd.DataFrame
    columns: list[Column]
    links: LinkResult = field(repr=False)
    lines: dict = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        """What was carried, and which new units and old units lack values.

        >>> print(out.summary())  # doctest: +SKIP
        """
        return "\n".join(self.lines["summary"]())

    def link_report(self) -> str:
        """How the table's rows were linked to the old units, and what was left out.

        >>> print(out.link_report())  # doctest: +SKIP
        """
        return "\n".join(self.lines["links"]())


def transfer(result, table, options: TransferOptions | None = None, *, geometry: bool = False,
             **changes) -> TransferResult:
    """Carry the columns of ``table`` (a CSV, XLSX or vector file, or a DataFrame; one row per
    old unit) onto the new units of ``result`` (a MergeResult or a GeoPackage written by
    ``geoplan merge``). ``options`` or its fields as keywords: see :class:`TransferOptions`;
    ``geometry`` reads the new units' polygons from a result file (for a GeoPackage output).

    >>> out = transfer("provinces.gpkg", "official_provinces_old.csv", sums=["gso2023_area_km2"])  # doctest: +SKIP
    >>> out.table.set_index("code").loc["79", "gso2023_area_km2_coverage"]  # doctest: +SKIP
    0.0
    """
    options = TransferOptions.build(options, **changes)
    basis = result_basis(result, geometry)
    stat = read_statistics(table, options.layer, options.encoding)
    linked = link_rows(stat, basis, options.fields, dict(options.aliases or {}))
    skip = {name for name in linked.fields.values() if name}
    declared = parse_columns(options.sums, options.means, options.shares, set(stat.frame.columns), stat.label)
    columns, left = (declared, []) if declared else guess_columns(stat, skip)
    if not columns:
        raise InputError("transfer.nothing_to_carry", path=stat.label)
    basis, left_out = _vintage(basis, linked.unit)
    rows = unique_rows(stat, linked.unit, basis, columns)
    carrier = Carrier(basis, options.share_by, options.missing)
    out, info = carry(stat, rows, columns, carrier)
    lines = {"links": lambda: link_report(stat, basis, linked) + ([render("transfer.inferred_left", n=left_out)]
                                                                   if left_out else []),  # rendered when asked
             "summary": lambda: summary_lines(out, columns, basis, options, {**info, "left": left})}
    return TransferResult(out, columns, linked.links, lines)


def _vintage(basis: Basis, unit: np.ndarray) -> tuple[Basis, int]:
    """The basis to carry a table by, and how many old units it leaves out. A table that links no
    old polygon the plan does not name (``inferred``: units merged away before the plan's date) is
    one of the plan's old units, whose values already count those polygons' people and land: they
    are left out rather than expected to have values of their own.

    >>> _vintage(basis, np.array([0, 1]))  # doctest: +SKIP
    """
    inferred = basis.old["inferred"].to_numpy(dtype=bool)
    if not inferred.any() or inferred[unit[unit >= 0]].any():
        return basis, 0
    return basis.without(inferred), int(inferred.sum())


def result_basis(result, geometry: bool = False) -> Basis:
    """The basis of a transfer from a MergeResult or a result file (see :class:`Basis`).

    >>> result_basis("communes.gpkg").old.head(1)  # doctest: +SKIP
    """
    if isinstance(result, (str, os.PathLike)):
        layers = read_result(result, geometry=geometry, warn_missing=(), wanted=("lineage", "about"))
        return Basis.of(read_crosswalk(result), layers.lineage, layers.units, Path(result).name,
                        layers.about.get("plan", ""))
    if not hasattr(result, "crosswalk"):
        raise InputError("transfer.result_kind", kind=type(result).__name__)
    return Basis.of(pd.DataFrame(result.crosswalk.drop(columns="geometry", errors="ignore")), result.lineage,
                    result.units if geometry else pd.DataFrame(result.units.drop(columns="geometry")), "result",
                    result.report.plan)


def unique_rows(stat: StatTable, unit: np.ndarray, basis: Basis, columns: list[Column]) -> pd.Series:
    """The row of each old unit that has one (index: old unit position; value: row label). Rows
    linked to the same old unit with the same values count once; with different values they are
    an InputError naming them and the unit.

    >>> unique_rows(stat, np.array([0, 0, 1]), basis, columns).tolist()  # doctest: +SKIP
    [2, 4]
    """
    names = list(dict.fromkeys([c.name for c in columns] + [c.weight for c in columns if c.weight in stat.frame]))
    linked = pd.DataFrame({"unit": unit, "row": stat.frame.index}, index=stat.frame.index)
    linked = linked[linked["unit"] >= 0]
    twice = linked[linked["unit"].duplicated(keep=False)]
    for position, group in twice.groupby("unit"):
        cells = stat.frame.loc[group["row"], names].astype(str)
        if len(cells.drop_duplicates()) > 1:
            old = basis.old.iloc[position]
            raise InputError("transfer.rows_twice", path=stat.label, rows=", ".join(map(str, group["row"][:5])),
                             code=old["key"], name=old["old_name"])
    rows = linked.drop_duplicates("unit").set_index("unit")["row"]
    rows.attrs["counted_once"] = int(twice["unit"].nunique())
    return rows


def _per_unit(stat: StatTable, rows: pd.Series, basis: Basis, column: str) -> np.ndarray:
    """A numeric column's values per old unit (NaN where the unit has no row or no value)."""
    values = np.full(len(basis.old), np.nan)
    numbers = pd.Series(stat.numbers(column), index=stat.frame.index)
    values[rows.index.to_numpy()] = numbers.loc[rows.to_numpy()].to_numpy()
    return values


def carry(stat: StatTable, rows: pd.Series, columns: list[Column], carrier: Carrier) -> tuple[pd.DataFrame, dict]:
    """The output table (new units, then each column carried), and ``negative`` (sums whose bounds
    were left out: negative values) and ``lacking`` (per column, the old units without a value).
    All sums are carried at once; each mean and share with its weight.

    >>> out, info = carry(stat, rows, columns, Carrier(basis, "population", "empty"))  # doctest: +SKIP
    """
    basis = carrier.basis
    numeric = {c: _per_unit(stat, rows, basis, c) for c in dict.fromkeys(
        [c.name for c in columns if c.kind != "share"] + [c.weight for c in columns if c.weight in stat.frame])}
    info = {"negative": [], "lacking": {}}
    carried = {}
    sums = [c.name for c in columns if c.kind == "sum"]
    if sums:
        carried |= _sums(numeric, sums, carrier, info)
    for column in columns:
        if column.kind == "sum":
            continue
        weight = numeric.get(column.weight) if column.weight in stat.frame else None
        if column.kind == "mean":
            values, names = numeric[column.name][:, None], [column.name]
        else:
            values, classes = _indicators(stat, rows, basis, column.name)
            names = [f"{column.name}={c}" for c in classes]
        weights = np.repeat(carrier.piece_weights(column.weight, weight)[:, None], values.shape[1], axis=1)
        means = carrier.means(values, weights)
        carried |= {name: means.values[:, i] for i, name in enumerate(names)}
        carried[f"{column.name}_coverage"] = means.coverage[:, 0] if len(names) else np.full(len(basis.new), np.nan)
        info["lacking"][column.name] = lacking(np.where(np.isnan(values).any(axis=1), np.nan, 0.0), basis)
    out = pd.concat([basis.new, pd.DataFrame(carried, index=basis.new.index)], axis=1)
    return out, info


def _sums(numeric: dict, names: list[str], carrier: Carrier, info: dict) -> dict:
    """The sum columns carried together: values, coverage and, where divided old units contribute
    and no value is negative, bounds."""
    values = np.column_stack([numeric[name] for name in names])
    sums = carrier.sums(values)
    bounded = [i for i, name in enumerate(names) if (np.nan_to_num(numeric[name]) >= 0).all()]
    lower, upper = carrier.bounds(values[:, bounded], sums.values[:, bounded]) if bounded else (None, None)
    out = {}
    for i, name in enumerate(names):
        out[name], out[f"{name}_coverage"] = _counts(sums.values[:, i]), sums.coverage[:, i]
        if carrier.basis.divided and i in bounded:
            k = bounded.index(i)
            out[f"{name}_lower"], out[f"{name}_upper"] = _counts(lower[:, k]), _counts(upper[:, k])
        elif carrier.basis.divided:
            info["negative"].append(name)
        info["lacking"][name] = lacking(numeric[name], carrier.basis)
    return out


def _indicators(stat: StatTable, rows: pd.Series, basis: Basis, column: str) -> tuple[np.ndarray, list]:
    """The indicator of each class (old units x classes; NaN rows where a unit has no class)."""
    classes = pd.Series(class_values(stat.frame[column]), index=stat.frame.index)
    per_unit = np.full(len(basis.old), None, dtype=object)
    per_unit[rows.index.to_numpy()] = classes.loc[rows.to_numpy()].to_numpy()
    names = sorted({c for c in per_unit if c is not None})
    indicators = np.array([[np.nan] * len(names) if c is None else [float(c == n) for n in names] for c in per_unit])
    return indicators.reshape(len(per_unit), len(names)), names


def _counts(values: np.ndarray) -> pd.Series:
    """Sums of whole counts as integers (Int64, empty where unknown); others as they are."""
    series = pd.Series(values)
    return series.round().astype("Int64") if series.notna().any() and whole_numbers(series) else series
