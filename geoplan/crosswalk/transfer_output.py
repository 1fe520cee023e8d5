"""What a transfer says and writes: the summary (columns carried and how, new units left empty
and the old units whose values they lack) and the output table as CSV (with a byte-order mark),
a formatted XLSX workbook or a GeoPackage with the new units' polygons.

>>> check_output("out.txt", [])
Traceback (most recent call last):
geoplan.errors.InputError: out.txt: the output is a table: give a file name ending in .csv, .xlsx, .gpkg
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import __version__
from ..errors import InputError
from ..i18n import Message, render
from ..io.atomic import check_target, write_layers
from ..io.spreadsheets import write_csv, write_xlsx
from .transfer_basis import Basis
from .transfer_table import LIMIT, listed, unit_labels

OUTPUTS = (".csv", ".xlsx", ".gpkg")


def check_output(target, inputs) -> Path:
    """Refuse an output that is no CSV, XLSX or GeoPackage, that is one of the ``inputs``, or that
    cannot be written (see :func:`geoplan.io.atomic.check_target`), before any work.

    >>> check_output("out.csv", ["out.csv"])  # doctest: +SKIP
    Traceback (most recent call last):
    geoplan.errors.InputError: out.csv: is an input; inputs are never overwritten, choose another -o
    """
    target = Path(target)
    if target.suffix.lower() not in OUTPUTS:
        raise InputError("transfer.output_kind", path=target, kinds=", ".join(OUTPUTS))
    for given in inputs:
        if given is not None and Path(given).exists() and target.exists() and target.samefile(given):
            raise InputError("transfer.output_is_input", path=target)
    return check_target(target)


def describe(column) -> Message:
    """How a column is carried, for people.

    >>> from geoplan.crosswalk.transfer_columns import Column
    >>> describe(Column("rate", "mean", "pop", guessed=True)).render("en")
    'rate: mean weighted by pop (guessed from its values)'
    """
    guessed = Message("transfer.guessed_mark") if column.guessed else ""
    return Message(f"transfer.kind_{column.kind}", column=column.name, weight=column.weight, guessed=guessed)


def summary_lines(out: pd.DataFrame, columns: list, basis: Basis, options, info: dict) -> list[str]:
    """The summary of a transfer: what was carried how, the new units left empty and the old units
    whose values they lack, the columns left out or without bounds.

    >>> print("\\n".join(summary_lines(out, columns, basis, options, info)))  # doctest: +SKIP
    """
    lines = [render("transfer.carried", n=len(columns), units=len(out), result=basis.label)]
    lines += ["  " + describe(c).render() for c in columns]
    if basis.divided:
        lines.append(render("transfer.divided", by=options.share_by))
        unplaced = np.setdiff1d(basis.touching["unit"].to_numpy(), basis.pieces["unit"].to_numpy())
        if len(unplaced):
            old = basis.old.iloc[unplaced]
            lines += [render("transfer.unplaced_divided", n=len(old)), listed(unit_labels(old.head(LIMIT)), len(old))]
    zero = options.missing == "zero"
    names = out["name"].to_numpy(dtype=object)
    for column in columns:
        coverage = out[f"{column.name}_coverage"].to_numpy(dtype=float)
        short = np.flatnonzero(coverage < 1)
        if len(short):
            shown = [render("transfer.unit_coverage", name=names[i], share=coverage[i]) for i in short[:LIMIT]]
            lines += [render("transfer.incomplete_zero" if zero else "transfer.incomplete", column=column.name,
                             complete=int((coverage == 1).sum()), units=int((~np.isnan(coverage)).sum()),
                             n=len(short)), listed(shown, len(short))]
    lines += _lacking_lines(info["lacking"], basis)
    if info["left"]:
        lines += [render("transfer.left"), listed([m.render() for m in info["left"]], len(info["left"]))]
    if info["negative"]:
        lines += [render("transfer.no_bounds"), listed(info["negative"], len(info["negative"]))]
    return lines


def _lacking_lines(lacking: dict, basis: Basis) -> list[str]:
    """One line per set of old units lacking values, with the columns that lack them."""
    groups: dict[tuple, list[str]] = {}
    for column, positions in lacking.items():
        if len(positions):
            groups.setdefault(tuple(positions), []).append(column)
    lines = []
    for positions, names in groups.items():
        old = basis.old.iloc[list(positions)]
        lines += [render("transfer.lacking", n=len(old)), listed(names, len(names)),
                  listed(unit_labels(old.head(LIMIT)), len(old))]
    return lines


def lacking(values: np.ndarray, basis: Basis) -> np.ndarray:
    """The old units (positions) that go into some new unit but have no value (NaN or None).

    >>> lacking(np.array([1.0, np.nan]), basis)  # doctest: +SKIP
    array([1])
    """
    used = np.zeros(len(basis.old), dtype=bool)
    used[basis.touching["unit"].to_numpy()] = True
    missing = np.isnan(values) if values.dtype.kind == "f" else pd.isna(values)
    return np.flatnonzero(used & missing)


def about_rows(out_lines: list[str], columns: list, options, sources: dict) -> pd.DataFrame:
    """The ``about`` sheet or layer of an output: where it came from and how each column was carried.

    >>> about_rows([], [], None, {"result": "r.gpkg"}).values.tolist()[0]
    ['result', 'r.gpkg']
    """
    rows = {**sources, **{f"column {c.name}": describe(c).render() for c in columns}}
    if options is not None:
        rows |= {"share_by": options.share_by, "missing": options.missing}
    rows |= {"geoplan_version": __version__,
             "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             **{f"summary {i + 1}": line for i, line in enumerate(out_lines)}}
    return pd.DataFrame({"key": list(rows), "value": list(rows.values())})


def write_output(table: pd.DataFrame, about: pd.DataFrame, target) -> Path:
    """Write a transfer's table: CSV (with a byte-order mark, Excel opens Vietnamese right),
    XLSX (sheets ``transfer`` and ``about``, formatted) or GeoPackage (layers ``units``, with
    the new units' polygons, and ``about``), atomically.

    >>> write_output(out.table, about_rows([], out.columns, None, {}), "new.xlsx")  # doctest: +SKIP
    """
    suffix = Path(target).suffix.lower()
    if suffix == ".csv":
        return write_csv(pd.DataFrame(table.drop(columns="geometry", errors="ignore")), target)
    if suffix == ".xlsx":
        return write_xlsx({"transfer": table, "about": about}, target)
    units = table if isinstance(table, gpd.GeoDataFrame) else gpd.GeoDataFrame(table, geometry=[None] * len(table),
                                                                             crs="EPSG:4326")
    return write_layers(target, {"units": units, "about": about})
