"""Which columns a transfer carries and how: declared (``--sum``, ``--mean COL[:WEIGHT]``,
``--share COL[:WEIGHT]``) or guessed from their values, and their values read per row.

- ``sum`` (extensive: counts, totals, hectares of a land class): weighted sums;
- ``mean`` (intensive: rates, densities, percentages): weighted means, the weight
  named: ``area`` (default), an extensive column of the table (population, labour
  force) or ``population`` (the census the merge summed);
- ``share`` (categorical: a class per old unit): the share of each class.

Guessing: a column of numbers is a ``mean`` when its name says it is a rate
(``rate``, ``ratio``, ``pct``, ``percent``, ``density``, ``share``, ``per``,
``index``, ``tỷ lệ``, ``mật độ``, ``bình quân``) or its values all lie between 0 and 1
with fractions, else a ``sum``; a column of text with 2 to 20 short classes is a
``share``; codes (a name with ``code``, ``ma``, ``id``; numbers with leading zeros) and the
other columns are not carried, and the list says why.

>>> parse_columns(["pop"], ["rate:pop"], [], {"pop", "rate"}, "t.csv")
[Column(name='pop', kind='sum', weight='area', guessed=False), Column(name='rate', kind='mean', weight='pop', guessed=False)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..i18n import Message, Option, render
from ..io.tables import numbers
from ..link.names import fold

KINDS = ("sum", "mean", "share")
AREA = "area"  # the weight of means and shares by default: the pieces' areas
CENSUS = "population"  # the census count the merge summed, as a weight
MAX_CLASSES = 20
MAX_CLASS_LENGTH = 40
RATE_WORDS = {"rate", "ratio", "pct", "percent", "percentage", "density", "share", "per", "index", "capita"}
RATE_PHRASES = ("ty le", "mat do", "binh quan", "dau nguoi")
CODE_WORDS = {"code", "ma", "id", "gso", "key"}
_NUMERIC = re.compile(r"[\s\u00a0\u202f]*[+-]?[\d\s\u00a0\u202f.,]*\d[\d\s\u00a0\u202f.,]*([eE][+-]?\d+)?\s*")


@dataclass(frozen=True)
class Column:
    """A column to carry: its ``name``, ``kind`` (``sum``, ``mean``, ``share``), the ``weight`` of a
    mean or share (``area``, a column of the table or ``population``) and whether it was ``guessed``.

    >>> Column("rate", "mean", "households").weight
    'households'
    """

    name: str
    kind: str
    weight: str = AREA
    guessed: bool = False


def parse_columns(sums, means, shares, known: set, label: str) -> list[Column]:
    """The declared columns (``COL`` or ``COL:WEIGHT`` for means and shares), names lower-cased;
    an unknown column or weight, or a column declared twice, is an InputError naming it.

    >>> parse_columns(["x"], [], [], {"pop"}, "t.csv")
    Traceback (most recent call last):
    geoplan.errors.InputError: t.csv: no column 'x' (sums); columns are: pop
    """
    columns = []
    for option, kind, given in (("sums", "sum", sums), ("means", "mean", means), ("shares", "share", shares)):
        for text in given:
            name, _, weight = str(text).partition(":") if kind != "sum" else (str(text), "", "")
            name, weight = name.strip().lower(), weight.strip().lower() or AREA
            if name not in known:
                raise InputError("transfer.no_column", path=label, column=name, option=Option(option),
                                 columns=", ".join(sorted(known)))
            if weight not in known | {AREA, CENSUS}:
                raise InputError("transfer.no_weight", path=label, column=name, weight=weight, option=Option(option),
                                 columns=", ".join(sorted(known)))
            columns.append(Column(name, kind, weight))
    twice = [c.name for c in columns if [d.name for d in columns].count(c.name) > 1]
    if twice:
        raise InputError("transfer.declared_twice", column=twice[0])
    return columns


def texts(values: pd.Series) -> pd.Series:
    """A column's cells as text ("" where empty; numbers of a workbook written as Python writes them).

    >>> texts(pd.Series([1.5, None, " a "], dtype=object)).tolist()
    ['1.5', '', ' a ']
    """
    if values.dtype == object:
        return values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else
                          repr(float(v)) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                          else str(v)).astype(str)
    return values.astype(str).fillna("")


def numeric_like(values: pd.Series) -> bool:
    """Whether a column holds numbers: numbers, or text of which more than half the filled cells
    are written as numbers (the others are then reported as errors, not read as classes).

    >>> numeric_like(pd.Series(["1.234,5", "", "n/a", "7"])), numeric_like(pd.Series(["Xã A", "3"]))
    (True, False)
    """
    if values.dtype.kind in "iuf":
        return True
    text = texts(values).str.strip()
    filled = text[text != ""]
    if not len(filled):
        return False
    if _floats(filled) is not None:  # plain numbers, the usual case: at once
        return True
    return int(filled.str.fullmatch(_NUMERIC.pattern).sum()) * 2 > len(filled)


def numeric_values(values: pd.Series, decimal: str | None, label: str, column: str) -> np.ndarray:
    """A column's numbers (NaN where empty), text read by :func:`geoplan.io.tables.numbers`
    (decimal commas, thousands marks; anything else an error naming the row). A column of plain
    numbers with a decimal point that some value proves (or without any mark) is read at once, as
    ``numbers`` reads it.

    >>> numeric_values(pd.Series(["49,36", "", "1.234,5"]), ",", "t.csv", "area").tolist()
    [49.36, nan, 1234.5]
    >>> numeric_values(pd.Series(["49.36", "", "16.465", "-3"]), ",", "t.csv", "area").tolist()
    [49.36, nan, 16.465, -3.0]
    >>> numeric_values(pd.Series(["16.465", "1.234"]), ",", "t.csv", "area").tolist()
    [16465.0, 1234.0]
    """
    if values.dtype.kind in "iuf":
        return values.to_numpy(dtype=float)
    text = texts(values).str.strip()
    floats = _floats(text)
    if floats is not None and _point(text, floats):
        return floats
    where = render("transfer.column_label", path=label, column=column)
    return numbers(text, decimal, where).to_numpy(dtype=float)


def _floats(text: pd.Series) -> np.ndarray | None:
    """``text`` read as plain floats by Arrow, at once ("" as NaN); None when a cell is no plain float.

    >>> _floats(pd.Series(["1.5", ""])).tolist(), _floats(pd.Series(["1,5"]))
    ([1.5, nan], None)
    """
    try:
        return text.where(text != "").astype("float64").to_numpy()
    except (ValueError, TypeError, ArithmeticError):  # pyarrow's ArrowInvalid is a ValueError
        return None


def _point(text: pd.Series, floats: np.ndarray) -> bool:
    """Whether plain floats read from ``text`` by Arrow are what :func:`geoplan.io.tables.numbers`
    reads: finite, written with digits, sign, exponent and at most one point (no thousands mark),
    and with no point at all or one that some value proves (not followed by exactly three digits)."""
    filled = text != ""
    if not np.isfinite(floats[filled.to_numpy()]).all() or text.str.contains(r"[^0-9.eE+\-]").any():
        return False
    dotted = text[text.str.contains(".", regex=False)]
    if (dotted.str.count(r"\.") > 1).any():
        return False
    return not len(dotted) or bool((~dotted.str.fullmatch(r"[+-]?[1-9]\d{0,2}\.\d{3}")).any())


def class_values(values: pd.Series) -> np.ndarray:
    """A column's classes as text, stripped (None where empty).

    >>> class_values(pd.Series([" A ", "", None, 3])).tolist()
    ['A', None, None, '3']
    """
    text = values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
    return np.where(text == "", None, text.to_numpy(dtype=object))


def guess_columns(table, skip: set) -> tuple[list[Column], list]:
    """Columns of ``table`` (a :class:`geoplan.crosswalk.transfer_table.StatTable`) to carry, guessed
    from their values (see the module's description), and those left out with the reason, as Messages.

    >>> from geoplan.crosswalk.transfer_table import StatTable
    >>> frame = pd.DataFrame({"code": ["1", "2"], "pop": ["10", "20"], "poverty_rate": ["0,1", "0,2"], "note": ["a", "b"]})
    >>> carried, left = guess_columns(StatTable(frame, "t.csv", ","), {"code"})
    >>> [(c.name, c.kind) for c in carried], [m.values["column"] for m in left]
    ([('pop', 'sum'), ('poverty_rate', 'mean')], ['note'])
    """
    carried, left = [], []
    for name in table.frame.columns:
        if name in skip:
            continue
        values = table.frame[name]
        if codes_like(name, values):
            left.append(Message("transfer.left_codes", column=name))
            continue
        if table.is_numeric(name):
            kind = "mean" if _rate(name, table.numbers(name)) else "sum"
            carried.append(Column(name, kind, AREA, guessed=True))
            continue
        classes = pd.Series(class_values(values)).dropna()
        n = classes.nunique()
        if 2 <= n <= MAX_CLASSES and n < len(classes) and classes.str.len().max() <= MAX_CLASS_LENGTH:
            carried.append(Column(name, "share", AREA, guessed=True))
        else:
            left.append(Message("transfer.left_text", column=name, n=n))
    return carried, left


def codes_like(name: str, values: pd.Series) -> bool:
    """Whether a column holds codes (identifiers, not quantities): its name says so ("code",
    "ma", "id"), or numbers are written with leading zeros ("01").

    >>> codes_like("new_province_code", pd.Series(["1"])), codes_like("pop", pd.Series(["01", "12"]))
    (True, True)
    >>> codes_like("pop", pd.Series([1]))
    False
    """
    if set(re.split(r"[^a-z0-9]+", fold(name))) & CODE_WORDS:
        return True
    if values.dtype.kind in "iuf":
        return False
    text = texts(values).str.strip()
    zero = text[text.str.startswith("0")]
    return bool(len(zero)) and bool(zero.str.fullmatch(r"0\d+").any())


def _rate(name: str, values: np.ndarray) -> bool:
    """Whether a numeric column reads as a rate: by its name, or values between 0 and 1 with fractions."""
    words = re.split(r"[^a-z0-9]+", fold(name))
    plain = " ".join(words)
    known = values[~np.isnan(values)]
    fractions = len(known) and (known >= 0).all() and (known <= 1).all() and (known != np.round(known)).any()
    return bool(set(words) & RATE_WORDS or any(phrase in plain for phrase in RATE_PHRASES) or fractions)
