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
import math
import re
import unicodedata
from pathlib import Path

import pandas as pd

from ..errors import InputError

SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
KINDS = ("number", "area", "count")  # any number; an area (more than 0); a count (a whole number, 0 or more)

# A number as Excel or a person writes it: digits with "," or "." as decimal or thousands
# marks (spaces too for thousands), an optional sign, an optional exponent ("1,5E+03").
_NUMBER = re.compile(r"[+-]?(\d+(?:[.,]\d+)*[.,]?|[.,]\d+)(?:[eE][+-]?\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f]")  # thin and non-breaking spaces group thousands too


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
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: {what} file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; the {what} must be a CSV file")
    text = _decode(path.read_bytes(), path, what)
    separator, rows = _rows(text, path, what)
    if not rows:
        raise InputError(f"{path}: the {what} file is empty")
    header = rows[0][1]
    width = len(header)
    lines, cells = [], []
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue  # a blank line, or only separators (";;;" from Excel)
        if len(row) > width:
            if any(cell.strip() for cell in row[width:]):
                raise InputError(f"{path}: row {line} has {len(row)} fields but the header has {width}: "
                                 f"a {SEPARATOR_NAMES[separator]} inside a value must be quoted")
            row = row[:width]
        lines.append(line)
        cells.append(row + [""] * (width - len(row)))
    table = pd.DataFrame(cells, columns=range(width), index=pd.Index(lines, name="line"), dtype=str)
    table.columns = _column_names(header, path, what)
    table = table.loc[:, [bool(name) or bool((table.iloc[:, i] != "").any()) for i, name in enumerate(table.columns)]]
    table.columns = [name or f"column {i + 1}" for i, name in enumerate(table.columns)]
    table.attrs["decimal"] = {";": ",", ",": "."}.get(separator)
    return table


def _decode(raw: bytes, path: Path, what: str) -> str:
    """Text of a table: UTF-16 (with a byte-order mark), UTF-8 (with or without), else Windows-1258."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: the {what} file starts as UTF-16 but is not valid UTF-16 ({exc.reason})") from exc
    if raw.startswith(b"PK\x03\x04"):
        raise InputError(f"{path}: is an Excel workbook or a zip, not a CSV; save the {what} sheet as \"CSV UTF-8\"")
    head = raw[:4096]
    if b"\x00" in head:
        utf16 = head.count(0) > 0.4 * len(head)  # every other byte of Latin text in UTF-16 is zero
        raise InputError(f"{path}: the {what} file " + ("looks like UTF-16 without a byte-order mark; " if utf16
                         else "is not text; ") + "save it as \"CSV UTF-8\" (or Excel's \"Unicode text\")")
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
        raise InputError(f"{path}: not a readable {what} CSV: row {reader.line_num}: {exc}") from exc
    return separator, rows


def _column_names(header: list[str], path: Path, what: str) -> list[str]:
    """Stripped, lower-case column names; a name given twice is an error."""
    names = [cell.strip().lower() for cell in header]
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        raise InputError(f"{path}: column {twice[0]!r} appears twice in the header of the {what} file")
    return names


def numbers(values: pd.Series, decimal: str | None, label: str, kind: str = "number") -> pd.Series:
    """Parse a column of numbers; empty cells become NaN.

    The decimal mark is decided for the whole column from all its values: a
    value such as "49,36" or "1.234.567" shows a decimal comma, "49.36" or
    "1,234,567" a decimal point; values that fit both ("16.465", "1,234")
    follow the rest of the column, or ``decimal`` (the file's default) when
    no value tells. The other mark groups thousands, spaces too. A column
    whose values show both conventions, or that needs a default and has
    none, is an error naming the lines; so is anything that is not a number
    ("n/a", "inf", "nan"). ``kind`` "area" requires more than 0, "count" a
    whole number of 0 or more. ``label`` names file and column in errors;
    rows are named by the series' index (the line numbers :func:`read_table` gives).

    >>> numbers(pd.Series(["9.888,91", "", "1 234", "16.465"]), ",", "area_km2").tolist()
    [9888.91, nan, 1234.0, 16465.0]
    >>> numbers(pd.Series(["49.36", "16.465"]), ",", "area_km2").tolist()
    [49.36, 16.465]
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    text = values.fillna("").astype(str).map(lambda v: _SPACES.sub("", v))
    written = text[text != ""]
    bad = written[~written.map(lambda v: bool(_NUMBER.fullmatch(v)))]
    if len(bad):
        raise InputError(f"{label}: {values[bad.index[0]].strip()!r} in row {bad.index[0]} is not a number")
    mark = _decimal_mark(written, decimal, label)
    parsed = pd.Series(float("nan"), index=values.index)
    parsed[written.index] = [_parse(v, mark) for v in written]
    _check_kind(parsed, values, label, kind)
    return parsed


def _marks(value: str) -> set[str]:
    """The decimal marks ``value`` can be read with: {","}, {"."}, both, or none (an invalid grouping)."""
    mantissa = re.split(r"[eE]", value)[0].lstrip("+-")
    commas, dots = mantissa.count(","), mantissa.count(".")
    if commas == dots == 0:
        return {",", "."}
    if commas and dots:  # the last mark is the decimal one, the other groups thousands
        last = max(mantissa.rfind(","), mantissa.rfind("."))
        return {mantissa[last]} if _grouped(mantissa[:last], "." if mantissa[last] == "," else ",") else set()
    mark, count = ("," if commas else "."), max(commas, dots)
    if count > 1:  # "1.234.567": several marks can only group thousands
        return {"," if mark == "." else "."} if _grouped(mantissa, mark) else set()
    if _grouped(mantissa, mark) and "e" not in value.lower():
        return {",", "."}  # "16.465": 16.465 or 16,465
    return {mark}


def _grouped(text: str, mark: str) -> bool:
    """Whether ``mark`` groups thousands in ``text``: "1.234.567" for "."."""
    return bool(re.fullmatch(r"[1-9]\d{0,2}(" + re.escape(mark) + r"\d{3})+", text))


def _decimal_mark(written: pd.Series, default: str | None, label: str) -> str:
    """The decimal mark of a column, from all its values (see :func:`numbers`)."""
    marks = written.map(_marks)
    invalid = marks[marks.map(len) == 0]
    if len(invalid):
        line = invalid.index[0]
        raise InputError(f"{label}: {written[line]!r} in row {line} is not a number (its thousands marks do not group 3 digits)")
    comma, point = marks[marks.map(lambda m: m == {","})], marks[marks.map(lambda m: m == {"."})]
    if len(comma) and len(point):
        raise InputError(f"{label}: mixes decimal marks: {written[comma.index[0]]!r} in row {comma.index[0]} has a "
                         f"decimal comma, {written[point.index[0]]!r} in row {point.index[0]} a decimal point; "
                         f"use one convention in the column")
    if len(comma) or len(point):
        return "," if len(comma) else "."
    either = written[(marks.map(len) == 2) & written.str.contains(r"[.,]", regex=True)]
    if len(either) == 0:
        return default or "."
    line = either.index[0]
    ambiguous = (f"{label}: {written[line]!r} in row {line} could be read with a decimal point or a decimal comma")
    unsure = "write the figures unambiguously (e.g. 16.4650 or 16465)"
    with_comma = either[either.str.contains(",", regex=False)]
    if default is None:
        raise InputError(f"{ambiguous}, and no value of the column tells which; {unsure}")
    if 0 < len(with_comma) < len(either):
        comma, point = with_comma.index[0], either.drop(with_comma.index).index[0]
        raise InputError(f"{label}: {written[comma]!r} in row {comma} and {written[point]!r} in row {point} "
                         f"each have one mark, a comma and a point: which is the decimal mark? {unsure}")
    grouping = either[either.str.contains("." if default == "," else ",", regex=False)]
    plain = written[written.str.fullmatch(r"[+-]?\d{4,}")]
    if len(grouping) and len(plain):  # thousands grouped in some values but not in others: decimals?
        raise InputError(f"{ambiguous}: read as thousands, but {written[plain.index[0]]!r} in row {plain.index[0]} "
                         f"has no thousands mark; {unsure}")
    return default


def _parse(value: str, mark: str) -> float:
    thousands = "." if mark == "," else ","
    return float(value.replace(thousands, "").replace(mark, "."))


def _check_kind(parsed: pd.Series, values: pd.Series, label: str, kind: str) -> None:
    """Areas must be more than 0; counts whole and 0 or more."""
    if kind == "number":
        return
    known = parsed.dropna()
    wrong = known[known <= 0] if kind == "area" else known[(known < 0) | (known != known.map(math.floor))]
    if len(wrong):
        line = wrong.index[0]
        rule = "an area must be more than 0" if kind == "area" else "a count must be a whole number, 0 or more"
        raise InputError(f"{label}: {values[line].strip()!r} in row {line}: {rule}")


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
    >>> figures.to_dict("index"), figures.attrs["warnings"]
    ({'30502': {'area_km2': 49.36, 'population': nan}}, ['code 30502 is on rows 2, 3 with the same figures: counted once'])
    """
    table = read_table(path, what)
    code = next((c for c in code_columns if c in table.columns), None)
    if code is None or not set(kinds) & set(table.columns):
        raise InputError(f"{path}: {what} need a code column ({', '.join(code_columns)}) and "
                         f"{' and/or '.join(kinds)}; found {', '.join(table.columns) or 'no column'}")
    if table.empty:
        raise InputError(f"{path}: the {what} file has a header but no rows")
    out = pd.DataFrame({"code": table[code].str.strip()}, index=table.index)
    for column, kind in kinds.items():
        out[column] = numbers(table[column], table.attrs["decimal"], f"{path}, column {column}", kind) \
            if column in table else float("nan")
    for column in keep:
        if column in table:
            out[column] = table[column].str.strip()
    warnings = []
    blank = out.index[out["code"] == ""]
    if len(blank) == len(out):
        raise InputError(f"{path}: no row of the {what} file has a code in column {code}")
    if len(blank):
        warnings.append(f"{len(blank):,} row(s) without a code in column {code} skipped: rows {_listed(blank)}")
    out = out.drop(blank)
    figures = out[list(kinds)].fillna(-1.0)  # -1: empty, so that two empty cells compare equal
    for value, rows in out.groupby("code", sort=False).groups.items():
        if len(rows) == 1:
            continue
        if len(figures.loc[rows].drop_duplicates()) > 1:
            shown = "; ".join(f"row {row}: " + ", ".join(f"{c} {_shown(out.at[row, c])}" for c in kinds if c in table)
                              for row in rows[:3])
            raise InputError(f"{path}: code {value} is on {len(rows)} rows with different figures ({shown}); "
                             f"keep one row per code")
        warnings.append(f"code {value} is on rows {_listed(rows)} with the same figures: counted once")
    out = out[~out["code"].duplicated()].set_index("code")
    out.attrs["warnings"] = warnings
    return out


def _listed(rows, limit: int = 5) -> str:
    shown = ", ".join(str(row) for row in list(rows)[:limit])
    return shown + (f" and {len(rows) - limit:,} more" if len(rows) > limit else "")


def _shown(value: float) -> str:
    return "empty" if pd.isna(value) else f"{value:g}"
