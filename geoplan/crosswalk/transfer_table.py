"""The table a transfer carries: read (CSV, XLSX sheet, layer or DataFrame), its rows linked to the
old units of a merge result by the same linker as ``geoplan merge``, and the link report.

Rows are linked by code, or by name inside the parent (and district), with the
same normalisation, the same distrust of codes that a row's own name contradicts
and the same refusal to guess between several candidates
(:func:`geoplan.link.match.link_features`); the fields are named or detected by
content (:func:`geoplan.link.fields.detect_fields`).

>>> table = read_statistics(pd.DataFrame({"Code": ["01"], "Pop": [5]}))
>>> table.frame.columns.tolist(), table.frame.index.tolist(), table.label
(['code', 'pop'], [2], 'table')
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from ..errors import InputError, LinkError
from ..i18n import Message, Option, render
from ..io.tables import read_table
from ..link.aliases import apply_aliases
from ..link.fields import detect_fields
from ..link.match import LinkResult, link_features
from ..link.names import exact_key
from ..merging.place import MIN_LINKED_SHARE
from ..plan.catalogue import known_renames
from .transfer_basis import Basis
from .transfer_columns import codes_like, numeric_like, numeric_values, texts

WORKBOOKS = (".xlsx", ".xlsm")
TEXT_TABLES = (".csv", ".txt", ".tsv")
LIMIT = 10  # rows or units named in one line of the report


@dataclass(frozen=True, eq=False)
class StatTable:
    """A table of values per old unit: ``frame`` (columns lower-cased, cells text or numbers,
    indexed by the row number the user sees), ``label`` (its name in messages) and ``decimal``
    (the decimal mark of text numbers when their values do not tell). Whether a column holds
    numbers, and its numbers, are worked out once.

    >>> StatTable(pd.DataFrame({"pop": ["1.234", "5"]}), "t.csv", ",").numbers("pop").tolist()
    [1234.0, 5.0]
    """

    frame: pd.DataFrame
    label: str
    decimal: str | None = "."
    _known: dict = field(default_factory=dict, repr=False)

    def is_numeric(self, column: str) -> bool:
        """Whether ``column`` holds numbers (see :func:`geoplan.crosswalk.transfer_columns.numeric_like`).

        >>> StatTable(pd.DataFrame({"ten": ["Xã A"]}), "t.csv").is_numeric("ten")
        False
        """
        if ("numeric", column) not in self._known:
            self._known["numeric", column] = numeric_like(self.frame[column])
        return self._known["numeric", column]

    def numbers(self, column: str) -> np.ndarray:
        """The numbers of ``column``, NaN where empty; an InputError naming the row of a value that is none.

        >>> StatTable(pd.DataFrame({"pop": ["7", ""]}), "t.csv").numbers("pop").tolist()
        [7.0, nan]
        """
        if ("numbers", column) not in self._known:
            self._known["numbers", column] = numeric_values(self.frame[column], self.decimal, self.label, column)
        return self._known["numbers", column]


def read_statistics(source, layer: str | None = None, encoding: str | None = None) -> StatTable:
    """Read a table kept per old unit: a CSV (as Excel writes them: see :func:`geoplan.io.tables.read_table`),
    a sheet of an XLSX workbook, a layer of any vector file (its geometry ignored), or a DataFrame.

    >>> read_statistics(pd.DataFrame({"a": [1]}), layer="x")
    Traceback (most recent call last):
    geoplan.errors.InputError: a table given in Python has no sheet or layer; leave out layer
    """
    if isinstance(source, pd.DataFrame):
        if layer is not None:
            raise InputError("transfer.layer_of_frame", option=Option("layer"))
        frame = pd.DataFrame(source).reset_index(drop=True)
        frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")  # as a CSV of it would number its rows
        return StatTable(_lower(frame, "table"), "table", None)
    path = Path(source)
    if not path.exists():
        raise InputError("transfer.table_not_found", path=path)
    suffix = path.suffix.lower()
    if suffix in TEXT_TABLES:
        frame = read_table(path, "statistics table")
        decimal, frame.attrs = frame.attrs["decimal"], {}  # attrs are deep-copied by every later operation
        return StatTable(frame, str(path), decimal)
    if suffix in WORKBOOKS:
        return StatTable(_lower(_sheet(path, layer), path), str(path))
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False, encoding=encoding)
    except Exception as error:  # OGR raises many types; what it says is what matters
        raise InputError("transfer.table_unreadable", path=path, reason=str(error).splitlines()[0]) from None
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="feature")
    return StatTable(_lower(frame, path), str(path))


def _lower(frame: pd.DataFrame, label) -> pd.DataFrame:
    """Column names stripped and lower-cased (as :func:`geoplan.io.tables.read_table` gives them); twice is an error."""
    names = [str(name).strip().lower() for name in frame.columns]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InputError("transfer.column_twice", path=label, column=twice[0])
    return frame.set_axis(names, axis=1)


def _sheet(path: Path, sheet: str | None) -> pd.DataFrame:
    """The cells of one sheet (numbers as numbers, empty cells as ""), the first non-empty row the header."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a damaged or encrypted workbook
        raise InputError("transfer.table_unreadable", path=path, reason=str(error).splitlines()[0]) from None
    if sheet is None and len(book.sheetnames) > 1:
        raise InputError("transfer.which_sheet", path=path, sheets=", ".join(book.sheetnames), option=Option("layer"))
    if sheet is not None and sheet not in book.sheetnames:
        raise InputError("transfer.no_sheet", path=path, sheet=sheet, sheets=", ".join(book.sheetnames))
    rows = [(number, ["" if cell is None else cell for cell in row])
            for number, row in enumerate(book[sheet or book.sheetnames[0]].iter_rows(values_only=True), start=1)]
    rows = [(number, cells) for number, cells in rows if any(str(cell).strip() for cell in cells)]
    if not rows:
        raise InputError("transfer.table_empty", path=path)
    header = [str(cell).strip() or f"column {i + 1}" for i, cell in enumerate(rows[0][1])]
    body = [cells + [""] * (len(header) - len(cells)) for _, cells in rows[1:]]
    return pd.DataFrame(body, columns=header, index=pd.Index([n for n, _ in rows[1:]], name="line"), dtype=object)


@dataclass(frozen=True)
class TableLinks:
    """How the rows of a table were linked: ``unit`` (row position of each row's old unit in
    ``basis.old``, -1 for none), the linker's own result ``links`` and the fields linked by.

    >>> link_rows(table, basis, {"code": None, "name": None, "parent": None, "district": None}).fields  # doctest: +SKIP
    {'code': 'ma', 'name': 'ten', 'parent': 'tinh', 'district': None}
    """

    unit: np.ndarray
    links: LinkResult
    fields: dict


def link_rows(table: StatTable, basis: Basis, fields: dict, aliases: dict | None = None) -> TableLinks:
    """Link each row of ``table`` to at most one old unit of ``basis``; ``fields`` names the
    table's code, name, parent and district columns (None: detected by content).

    >>> links = link_rows(table, basis, {"code": None, "name": None, "parent": None, "district": None})  # doctest: +SKIP
    """
    plan = basis.linking_plan()
    renames = {**known_renames(plan), **{exact_key(k): v for k, v in (aliases or {}).items()}}  # as merge does
    parents, _ = apply_aliases(plan.links["old_parent"], renames)  # the inferred units keep their layer's parents
    plan = replace(plan, links=plan.links.assign(old_parent=parents))
    fields = _fields(table, plan, fields)
    if fields["code"] is None and fields["name"] is None:
        raise InputError("transfer.no_link_field", path=table.label, result=basis.label, code=Option("code_field"),
                         name=Option("name_field"))
    used = [name for name in dict.fromkeys(fields.values()) if name]  # the linker reads these only
    text = table.frame[used].astype(object).where(table.frame[used].notna(), "")
    links = link_features(text, plan, fields["code"], fields["name"], fields["parent"], fields["district"], renames)
    position = pd.Series(np.arange(len(basis.old)), index=basis.old["key"])
    unit = links.table["old_code"].map(position).fillna(-1).astype(int).to_numpy()
    linked = int((unit >= 0).sum())
    if linked < MIN_LINKED_SHARE * len(unit) or not linked:
        raise LinkError("transfer.too_few_linked", path=table.label, result=basis.label, linked=linked, rows=len(unit),
                        fields=", ".join(name for name in fields.values() if name))
    return TableLinks(unit, links, fields)


def _fields(table: StatTable, plan, given: dict) -> dict:
    """The columns to link by: those given (InputError for one the table lacks), the others detected
    by content, one column one role (a name column is no district column)."""
    frame = table.frame
    for role, name in given.items():
        if name is not None and name.lower() not in frame:
            raise InputError("transfer.no_column", path=table.label, column=name, option=Option(f"{role}_field"),
                             columns=", ".join(frame.columns))
    fields = {role: name.lower() if name else None for role, name in given.items()}
    if None in fields.values():
        found = detect_fields(_candidates(table), plan)
        taken = set(fields.values())
        for role, name in fields.items():
            if name is None and found[role] not in taken:
                fields[role] = found[role]
                taken.add(found[role])
    return fields


def _candidates(table: StatTable) -> pd.DataFrame:
    """The columns that may hold codes, names, parents or districts, for the field detector: text
    columns, and columns of whole numbers that look like codes (by name or leading zeros: see
    :func:`geoplan.crosswalk.transfer_columns.codes_like`) as numbers (codes only: their values are no
    names); other columns of numbers are figures, left out (reading them as names is slow).

    >>> _candidates(StatTable(pd.DataFrame({"ma": ["01", "02"], "ten": ["Xã A", "Xã B"], "rate": ["0,5", "1"]}), "t")).dtypes.tolist()
    [dtype('int64'), dtype('O')]
    """
    out = {}
    for name in table.frame.columns:
        values = table.frame[name]
        if not table.is_numeric(name):
            out[name] = values.astype(object)
            continue
        text = texts(values).str.strip()
        if codes_like(name, values) and text[text != ""].str.fullmatch(r"\d+").all():
            out[name] = pd.to_numeric(text.where(text != ""), errors="coerce")
    return pd.DataFrame(out, index=table.frame.index)


def link_report(table: StatTable, basis: Basis, linked: TableLinks, limit: int = LIMIT) -> list[str]:
    """The lines that say how the rows were linked and what was left out, as the merge's link report does.

    >>> print("\\n".join(link_report(table, basis, link_rows(table, basis, fields))))  # doctest: +SKIP
    """
    links, frame = linked.links, table.frame
    lines = [render("transfer.linked", linked=int((linked.unit >= 0).sum()), rows=len(frame), path=table.label,
                    units=len(basis.old), result=basis.label,
                    fields=", ".join(render("merge.role_field", role=render(f"role.{role}"), field=name)
                                     for role, name in linked.fields.items() if name))]
    lines += [render("transfer.linked_by", n=n, how=how) for how, n in links.table["linked_by"].value_counts().items()
              if how != "none"]
    left = links.table[(links.table["linked_by"] == "none") & ~links.table["outside"]]
    ambiguous = set(links.ambiguous["feature"]) if len(links.ambiguous) else set()
    left = left[~left.index.isin(ambiguous)]
    if len(left):
        lines += [render("transfer.unlinked", n=len(left)), listed(_rows(frame, left.index, linked.fields, limit), len(left))]
    outside = int(links.table["outside"].sum())
    if outside:
        parents = frame.loc[links.table["outside"], linked.fields["parent"]].astype(str).value_counts()
        lines += [render("transfer.outside", n=outside), listed(list(parents.index[:limit]), len(parents))]
    if len(links.ambiguous):
        rows = [render("transfer.ambiguous_row", row=row.feature, name=row.name, parent=row.parent,
                       candidates=row.candidates) for row in links.ambiguous.head(limit).itertuples()]
        lines += [render("transfer.ambiguous", n=len(links.ambiguous)), listed(rows, len(links.ambiguous), "; ")]
    if len(links.refused_codes):
        rows = [render("transfer.refused_row", name=row.feature_name, code=row.code, plan_name=row.plan_name)
                for row in links.refused_codes.head(limit).itertuples()]
        lines += [render("transfer.refused", n=len(links.refused_codes)), listed(rows, len(links.refused_codes), "; ")]
    expected = np.unique(basis.touching["unit"].to_numpy())  # old units going somewhere (not left out)
    absent = basis.old.iloc[np.setdiff1d(expected, linked.unit)]
    if len(absent):
        lines += [render("transfer.absent", n=len(absent)), listed(unit_labels(absent.head(limit)), len(absent))]
    return lines


def _rows(frame: pd.DataFrame, rows, fields: dict, limit: int) -> list[str]:
    """Rows a planner must find: "row 12 Xã A (Tỉnh B)"."""
    def label(row) -> str:  # one row, with its code, name and parent when the table has them
        name = str(frame.at[row, fields["name"]]) if fields["name"] else ""
        code = str(frame.at[row, fields["code"]]) if fields["code"] else ""
        parent = str(frame.at[row, fields["parent"]]) if fields["parent"] else ""
        return render("transfer.row_label", row=row, name=" ".join(filter(None, (code, name))),
                      parent=Message("transfer.in_parent", parent=parent) if parent else "")
    return [label(row) for row in rows[:limit]]


def listed(items: list[str], total: int, separator: str = ", ") -> str:
    """One indented line listing ``items`` (rendered), saying how many more of ``total`` there are.

    >>> from geoplan.i18n import using
    >>> with using("en"):
    ...     listed(["a", "b"], 5)
    '      a, b and 3 more'
    """
    more = render("transfer.and_more", n=total - len(items)) if total > len(items) else ""
    return "      " + separator.join(items) + more


def unit_labels(old: pd.DataFrame) -> list[str]:
    """Old units a planner must find: "30502 Thị trấn Nhà Bàng (Tỉnh An Giang)" (a "#" key is no code).

    >>> from geoplan.i18n import using
    >>> with using("en"):
    ...     unit_labels(pd.DataFrame({"key": ["#4", "01"], "old_name": ["Xã A", "Xã B"], "old_parent": ["", "P"]}))
    ['Xã A', '01 Xã B (P)']
    """
    return [render("transfer.unit_label", code="" if key.startswith("#") else f"{key} ", name=name,
                   parent=Message("transfer.in_parent", parent=parent) if parent else "")
            for key, name, parent in zip(old["key"], old["old_name"], old["old_parent"])]
