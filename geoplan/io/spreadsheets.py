"""Tables a planner opens in Excel: CSV with a byte-order mark, and formatted XLSX workbooks.

Excel reads a CSV without a byte-order mark in the machine's code page and
garbles Vietnamese; with it, as UTF-8. A workbook gets one sheet per table, a
bold header row that stays in view (frozen panes), the unit of each column in its
header, and number formats instead of raw floats (3.092116153482529 shows as
3.09; Excel writes the decimal mark of the reader's own locale).

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> table = pd.DataFrame({"code": ["30502"], "name": ["Phường Thới Sơn"], "area_km2": [50.2364], "population": [24705]})
>>> write_csv(table, os.path.join(folder, "t.csv")).read_bytes()[:3]
b'\\xef\\xbb\\xbf'
>>> import openpyxl
>>> book = openpyxl.load_workbook(write_xlsx({"units": table}, os.path.join(folder, "t.xlsx")))
>>> sheet = book["units"]
>>> sheet["C1"].value, sheet["C2"].number_format, sheet.freeze_panes
('area_km2 (km²)', '#,##0.00', 'A2')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_path

UNITS = {  # the unit shown beside a column's name in a workbook's header, by the column's ending
    "_km2": "km²", "_pct": "%", "_m": "m", "density": "/km²", "_share": "0-1",
}
MAX_WIDTH = 60  # characters


def write_csv(frame: pd.DataFrame, target: str | Path) -> Path:
    """Write ``frame`` as UTF-8 CSV with a byte-order mark (Excel opens Vietnamese right), atomically."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(target)


def unit_of(column: str) -> str:
    """The unit of a column, from its name ("" when it has none).

    >>> unit_of("area_declared_km2"), unit_of("area_diff_pct"), unit_of("name")
    ('km²', '%', '')
    """
    return next((unit for ending, unit in UNITS.items() if column.endswith(ending)), "")


def number_format(values: pd.Series) -> str | None:
    """The Excel number format of a column: whole numbers with thousands grouped, other
    numbers with two decimals (four for shares), None for text.

    >>> number_format(pd.Series([1, 2])), number_format(pd.Series([0.5])), number_format(pd.Series(["a"]))
    ('#,##0', '#,##0.00', None)
    """
    if values.dtype.kind in "iu" or str(values.dtype) in ("Int64", "Int32"):
        return "#,##0"
    if values.dtype.kind == "f":
        known = values.dropna()
        return "#,##0" if len(known) and (known == np.round(known)).all() and not values.name.endswith("_share") \
            else "0.0000" if str(values.name).endswith("_share") else "#,##0.00"
    return None


def write_xlsx(sheets: dict[str, pd.DataFrame], target: str | Path) -> Path:
    """Write each table as a formatted sheet of one workbook, atomically (see the module's
    description); rows are streamed (openpyxl's write-only mode), so large tables stay quick."""
    import openpyxl  # (a quarter of a second: only when a workbook is written)

    book = openpyxl.Workbook(write_only=True)
    for name, frame in sheets.items():
        _sheet(book, book.create_sheet(title=str(name)[:31]), frame)
    with atomic_path(target) as tmp:
        book.save(tmp)
    return Path(target)


def _sheet(book, sheet, frame: pd.DataFrame) -> None:
    """One table on a sheet: header with units, values with number formats, widths, frozen header, filter."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame = pd.DataFrame(frame.drop(columns=[c for c in frame.columns if str(c) == "geometry"], errors="ignore"))
    headers = [f"{c} ({unit_of(str(c))})" if unit_of(str(c)) else str(c) for c in frame.columns]
    for index, column in enumerate(frame.columns, start=1):
        longest = max([len(headers[index - 1])] + [len(str(v)) for v in frame[column].head(500)])
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, longest + 2)
    sheet.freeze_panes = "A2"
    if len(frame.columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    sheet.append([_styled(sheet, header, font=bold, fill=fill) for header in headers])
    formats = [number_format(frame[column]) for column in frame.columns]
    for row in frame.itertuples(index=False):
        sheet.append([_styled(sheet, _cell(value), number_format=fmt) if fmt else _cell(value)
                      for value, fmt in zip(row, formats)])


def _styled(sheet, value, **style):
    """A cell of a write-only sheet with its style (font, fill, number format)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _cell(value):
    """A value as a workbook cell holds it: plain Python numbers, text, booleans; missing as empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
