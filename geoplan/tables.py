"""Read the small CSV tables a planner edits: plans, aliases, declared figures.

They come out of Excel as often as out of scripts, so the reader accepts what
Excel writes: UTF-8 with or without a byte-order mark, or Windows-1258 (Excel's
plain "CSV" on a Vietnamese Windows), separated by commas, semicolons (Excel
where the decimal mark is a comma, as in Vietnam) or tabs. Every cell is read
as text; numbers are parsed by :func:`numbers`, with the decimal mark that goes
with the separator.

>>> table = read_table("plan.csv", "plan")  # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pandas as pd

from .errors import InputError

SEPARATORS = (",", ";", "\t")


def read_table(path: str | Path, what: str) -> pd.DataFrame:
    """Every cell of a CSV as text (empty cells as ""); ``what`` names the table in errors.

    The separator is the one the header line uses most. The frame's
    ``attrs["decimal"]`` is "," for semicolon-separated files, "." otherwise.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "declared.csv")
    >>> _ = open(path, "w", encoding="utf-8-sig").write("code;area_km2\\n30502;49,36\\n")
    >>> table = read_table(path, "declared figures")
    >>> table.to_dict("records"), table.attrs["decimal"]
    ([{'code': '30502', 'area_km2': '49,36'}], ',')
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: {what} file not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = unicodedata.normalize("NFC", raw.decode("cp1258", errors="replace"))
    header = text.split("\n", 1)[0]
    separator = max(SEPARATORS, key=header.count)
    try:
        table = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: not a readable {what} CSV: {str(exc).splitlines()[0]}") from exc
    table.columns = [str(c).strip() for c in table.columns]
    table.attrs["decimal"] = "," if separator == ";" else "."
    return table


def numbers(values: pd.Series, decimal: str, label: str) -> pd.Series:
    """Parse numbers written with ``decimal`` as decimal mark, and the other
    mark (before groups of three digits) or spaces as thousands separators;
    empty cells become NaN, anything else unreadable is an error naming
    ``label`` and the row.

    >>> numbers(pd.Series(["9.888,91", "", "1 234", "49.36"]), ",", "area_km2").tolist()
    [9888.91, nan, 1234.0, 49.36]
    >>> numbers(pd.Series(["9,888.91"]), ".", "area_km2").tolist()
    [9888.91]
    """
    thousands = "." if decimal == "," else ","
    text = values.fillna("").astype(str).str.strip()
    grouped = re.escape(thousands) + r"(?=\d{3}(?!\d))"  # a thousands mark is followed by exactly 3 digits
    cleaned = text.str.replace(grouped, "", regex=True).str.replace(r"\s", "", regex=True)
    cleaned = cleaned.str.replace(decimal, ".", regex=False)
    parsed = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce")
    bad = parsed.isna() & (text != "")
    if bad.any():
        row = bad.to_numpy().nonzero()[0][0]
        raise InputError(f"{label}: {text.iloc[row]!r} in row {row + 2} is not a number")
    return parsed.astype(float)
