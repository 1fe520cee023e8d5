"""Read the small CSV tables a planner edits: plans, aliases, declared figures.

They come out of Excel as often as out of scripts, so the reader accepts what
Excel writes: UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's
"Unicode text", tab-separated), or Windows-1258 (Excel's plain "CSV" on a
Vietnamese Windows), separated by commas, semicolons (Excel where the decimal
mark is a comma, as in Vietnam) or tabs. Every cell is read as text; numbers
are parsed by :func:`numbers`, which reads the decimal mark of each column
from its values.

>>> table = read_table("plan.csv", "plan")  # doctest: +SKIP
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..i18n import Message
from ..i18n.catalogue import catalogue
from .decimals import numbers  # noqa: F401  (read from here too, as docs/CONTRACTS.md says)

SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "table.sep_comma", ";": "table.sep_semicolon", "\t": "table.sep_tab"}
WHAT = {"plan": "table.what_plan", "alias": "table.what_aliases", "aliases": "table.what_aliases",
        "declared figures": "table.what_declared"}  # the tables' names as callers give them



def read_table(path: str | Path, what: str) -> pd.DataFrame:
    """Every cell of a CSV as text (empty cells as ""); ``what`` names the table in errors.

    The separator is the one the header line uses most. Column names are
    stripped and lower-cased ("Area_km2" is ``area_km2``). Blank lines are
    skipped; the index is each row's line number in the file (the header is
    row 1), so errors name the row a spreadsheet or editor shows.
    ``attrs["decimal"]`` is the file's default decimal mark, used only for
    columns whose values do not tell: "," for semicolon files, "." for comma
    files, None for tab files (Excel writes them either way).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "declared.csv")
    >>> _ = open(path, "w", encoding="utf-8-sig").write("Code;Area_km2\\n\\n30502;49,36\\n")
    >>> table = read_table(path, "declared figures")
    >>> table.to_dict("index"), table.attrs["decimal"]
    ({3: {'code': '30502', 'area_km2': '49,36'}}, ',')
    """
    path, what = Path(path), table_name(what)
    if not path.exists():
        raise InputError("table.not_found", path=str(path), what=what)
    if path.is_dir():
        raise InputError("table.is_folder", path=str(path), what=what)
    text = _decode(path.read_bytes(), path, what)
    separator, rows = _rows(text, path, what)
    if not rows:
        raise InputError("table.empty", path=str(path), what=what)
    header = rows[0][1]
    width = len(header)
    lines, cells = [], []
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue  # a blank line, or only separators (";;;" from Excel)
        if len(row) > width:
            if any(cell.strip() for cell in row[width:]):
                raise InputError("table.row_too_long", path=str(path), line=line, n=len(row), width=width,
                                 separator=Message(SEPARATOR_NAMES[separator]))
            row = row[:width]
        lines.append(line)
        cells.append(row + [""] * (width - len(row)))
    table = pd.DataFrame(cells, columns=range(width), index=pd.Index(lines, name="line"), dtype=str)
    table.columns = _column_names(header, path, what)
    table = table.loc[:, [bool(name) or bool((table.iloc[:, i] != "").any()) for i, name in enumerate(table.columns)]]
    table.columns = [name or f"column {i + 1}" for i, name in enumerate(table.columns)]
    table.attrs["decimal"] = {";": ",", ",": "."}.get(separator)
    return table


def table_name(what) -> Message:
    """The name of a table in messages: a message identifier, a name callers use
    (``"plan"``, ``"alias"``, ``"declared figures"``), or a text written out.

    >>> table_name("plan").render("vi")
    'phương án'
    """
    if isinstance(what, Message):
        return what
    what = WHAT.get(str(what), str(what))
    return Message(what) if what in catalogue("en") else Message("text", text=what)


def _decode(raw: bytes, path: Path, what: str) -> str:
    """Text of a table: UTF-16 (with a byte-order mark), UTF-8 (with or without), else Windows-1258."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError("table.bad_utf16", path=str(path), what=what, reason=exc.reason) from None
    if raw.startswith(b"PK\x03\x04"):
        raise InputError("table.workbook", path=str(path), what=what)
    head = raw[:4096]
    if b"\x00" in head:
        utf16 = head.count(0) > 0.4 * len(head)  # every other byte of Latin text in UTF-16 is zero
        raise InputError("table.utf16_no_bom" if utf16 else "table.not_text", path=str(path), what=what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", raw.decode("cp1258", errors="replace"))


def _rows(text: str, path: Path, what: str) -> tuple[str, list[tuple[int, list[str]]]]:
    """The separator, and (line number where the row starts, cells) for every row, the header first."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return ",", []
    separator = max(SEPARATORS, key=lines[first].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows, start = [], 1
    try:
        for row in reader:
            if rows or any(cell.strip() for cell in row):  # lines before the header are skipped
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError("table.unreadable", path=str(path), what=what, line=reader.line_num, reason=str(exc)) from None
    return separator, rows


def _column_names(header: list[str], path: Path, what: str) -> list[str]:
    """Stripped, lower-case column names; a name given twice is an error."""
    names = [cell.strip().lower() for cell in header]
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        raise InputError("table.column_twice", path=str(path), column=twice[0], what=what)
    return names


def read_figures(path: str | Path, what: str, code_columns: tuple[str, ...], kinds: dict[str, str],
                 keep: tuple[str, ...] = ("name", "note")) -> pd.DataFrame:
    """Figures per code from a CSV, indexed by code (text, stripped).

    The code column is the first of ``code_columns`` present; ``kinds`` maps
    the figure columns to look for to their kind (see :func:`numbers`), at
    least one must be present and every one is returned (NaN when absent);
    the text columns in ``keep`` come along when present. Rows without a
    code are skipped, a code on several rows with the same figures is counted
    once, both with a line in ``attrs["warnings"]``; a code on several rows with
    different figures is an error naming the rows.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "declared.csv")
    >>> _ = open(path, "w", encoding="utf-8").write("Code,area_km2\\n30502,49.36\\n30502,49.36\\n")
    >>> figures = read_figures(path, "declared figures", ("code",), {"area_km2": "area", "population": "count"})
    >>> figures.to_dict("index"), [warning.render("en") for warning in figures.attrs["warnings"]]
    ({'30502': {'area_km2': 49.36, 'population': nan}}, ['code 30502 is on rows 2, 3 with the same figures: counted once'])
    """
    table = read_table(path, what)
    code = next((c for c in code_columns if c in table.columns), None)
    if code is None or not set(kinds) & set(table.columns):
        raise InputError("table.need_columns", path=str(path), what=table_name(what), codes=", ".join(code_columns),
                         figures=", ".join(kinds), found=", ".join(table.columns))
    if table.empty:
        raise InputError("table.header_only", path=str(path), what=table_name(what))
    out = pd.DataFrame({"code": table[code].str.strip()}, index=table.index)
    for column, kind in kinds.items():
        label = Message("table.column_label", path=str(path), column=column)
        out[column] = numbers(table[column], table.attrs["decimal"], label, kind) if column in table else float("nan")
    for column in keep:
        if column in table:
            out[column] = table[column].str.strip()
    blank = out.index[out["code"] == ""]
    if len(blank) == len(out):
        raise InputError("table.no_codes", path=str(path), what=table_name(what), column=code)
    warnings = [Message("table.rows_without_code", n=len(blank), column=code, rows=_listed(blank))] if len(blank) else []
    out = out.drop(blank)
    warnings += _repeated_codes(out, list(kinds), [c for c in kinds if c in table], path)
    out = out[~out["code"].duplicated()].set_index("code")
    out.attrs["warnings"] = warnings
    return out


def _repeated_codes(out: pd.DataFrame, kinds: list[str], given: list[str], path: Path) -> list[Message]:
    """A warning per code given on several rows with the same figures; an error for different figures."""
    repeated = out[out["code"].duplicated(keep=False)]
    figures = repeated[kinds].fillna(-1.0)  # -1: empty, so that two empty cells compare equal
    warnings = []
    for value, rows in repeated.groupby("code", sort=False).groups.items():
        if len(figures.loc[rows].drop_duplicates()) > 1:
            shown = "; ".join(str(Message("table.row_figures", line=row, figures=", ".join(
                f"{c} {_shown(out.at[row, c])}" for c in given))) for row in rows[:3])
            raise InputError("table.different_figures", path=str(path), code=value, n=len(rows), shown=shown)
        warnings.append(Message("table.same_figures", code=value, rows=_listed(rows)))
    return warnings


def _listed(rows, limit: int = 5) -> str:
    shown = ", ".join(str(row) for row in list(rows)[:limit])
    return shown + (str(Message("table.and_more", n=len(rows) - limit)) if len(rows) > limit else "")


def _shown(value: float) -> str:
    return str(Message("table.empty_cell")) if pd.isna(value) else f"{value:g}"
