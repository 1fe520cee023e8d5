"""Numbers as people and Excel write them: the decimal mark decided per column.

"49,36" and "1.234,5" are read with a decimal comma, "49.36" and "1,234.5"
with a decimal point; "16.465" could be either, and follows the rest of its
column or the file's default. The same rules read the figures of CSV tables
(plans, declared figures) and counts a layer stores as text.

>>> numbers(pd.Series(["1.234,5", "49,36"]), None, "area_km2").tolist()
[1234.5, 49.36]
>>> numbers(pd.Series(["12.345"]), None, "pop", "count").tolist()
[12345.0]
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..errors import InputError
from ..i18n import Message

KINDS = ("number", "area", "count")  # any number; an area (more than 0); a count (a whole number, 0 or more)
EXACT = 2**53  # a count at or beyond this cannot be held exactly by a float

# A number as Excel or a person writes it: digits with "," or "." as decimal or thousands
# marks (spaces too for thousands), an optional sign, an optional exponent ("1,5E+03").
_NUMBER = re.compile(r"[+-]?(\d+(?:[.,]\d+)*[.,]?|[.,]\d+)(?:[eE][+-]?\d+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f]")  # thin and non-breaking spaces group thousands too
UNSURE = "table.write_unambiguously"


def numbers(values: pd.Series, decimal: str | None, label, kind: str = "number", row: str = "table.row") -> pd.Series:
    """Parse a column of numbers; empty cells become NaN.

    The decimal mark is decided for the whole column from all its values: a
    value such as "49,36" or "1.234.567" shows a decimal comma, "49.36" or
    "1,234,567" a decimal point; values that fit both ("16.465", "1,234")
    follow the rest of the column, or ``decimal`` (the file's default) when
    no value tells; in a column of counts, where a decimal reading would be
    a fraction, they are thousands. The other mark groups thousands, spaces
    too. A column whose values show both conventions, or that needs a
    default and has none, is an error naming the rows; so is anything that
    is not a finite number ("n/a", "inf", "nan", "1e999"). ``kind`` "area"
    requires more than 0, "count" a whole number of 0 or more, below 2^53.
    ``label`` (text or a Message) names file and column in errors; rows are
    named by the series' index, with the message ``row`` (``table.row``: the
    line numbers :func:`geoplan.io.tables.read_table` gives).

    >>> numbers(pd.Series(["9.888,91", "", "1 234", "16.465"]), ",", "area_km2").tolist()
    [9888.91, nan, 1234.0, 16465.0]
    >>> numbers(pd.Series(["49.36", "16.465"]), ",", "area_km2").tolist()
    [49.36, 16.465]
    """
    if kind not in KINDS:
        raise InputError("table.unknown_kind", kind=kind, kinds=", ".join(KINDS))
    text = values.fillna("").astype(str).map(lambda v: _SPACES.sub("", v))
    written = text[text != ""]
    where = _Where(values, label, row)
    bad = written[~written.map(lambda v: bool(_NUMBER.fullmatch(v)))]
    if len(bad):
        where.fail("table.not_a_number", bad.index[0])
    mark = _decimal_mark(written, decimal, where, kind)
    parsed = pd.Series(float("nan"), index=values.index)
    with np.errstate(over="ignore"):
        parsed[written.index] = [_parse(v, mark) for v in written]
    infinite = parsed[np.isinf(parsed)]
    if len(infinite):
        where.fail("table.not_a_number", infinite.index[0])
    _check_kind(parsed, where, kind)
    return parsed


class _Where:
    """Names a value in errors: the column's label, the row and the value as written."""

    def __init__(self, values: pd.Series, label, row: str):
        self.values, self.label, self.row = values, label, row

    def at(self, index) -> Message:
        return Message(self.row, line=index)

    def value(self, index) -> str:
        return str(self.values[index]).strip()

    def fail(self, message_id: str, index, **more):
        raise InputError(message_id, label=self.label, value=self.value(index), row=self.at(index), **more)


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


_GROUPED = {mark: re.compile(r"[1-9]\d{0,2}(" + re.escape(mark) + r"\d{3})+") for mark in ",."}


def _grouped(text: str, mark: str) -> bool:
    """Whether ``mark`` groups thousands in ``text``: "1.234.567" for "."."""
    return bool(_GROUPED[mark].fullmatch(text))


def _decimal_mark(written: pd.Series, default: str | None, where: _Where, kind: str) -> str:
    """The decimal mark of a column, from all its values (see :func:`numbers`)."""
    marks = written.map(_marks)
    invalid = marks[marks.map(len) == 0]
    if len(invalid):
        where.fail("table.bad_grouping", invalid.index[0])
    comma, point = marks[marks.map(lambda m: m == {","})], marks[marks.map(lambda m: m == {"."})]
    if len(comma) and len(point):
        first, second = comma.index[0], point.index[0]
        raise InputError("table.mixed_marks", label=where.label, comma=where.value(first), comma_row=where.at(first),
                         point=where.value(second), point_row=where.at(second))
    if len(comma) or len(point):
        return "," if len(comma) else "."
    either = written[(marks.map(len) == 2) & written.str.contains(r"[.,]", regex=True)]
    if len(either) == 0:
        return default or "."
    with_comma = either[either.str.contains(",", regex=False)]
    if 0 < len(with_comma) < len(either) and (default is not None or kind == "count"):
        first, second = with_comma.index[0], either.drop(with_comma.index).index[0]
        raise InputError("table.one_mark_each", label=where.label, comma=where.value(first), comma_row=where.at(first),
                         point=where.value(second), point_row=where.at(second), hint=Message(UNSURE))
    if kind == "count":  # "12.345" people: a decimal reading would be a fraction; thousands it is
        return "." if len(with_comma) else ","
    if default is None:
        where.fail("table.ambiguous", either.index[0], hint=Message(UNSURE))
    grouping = either[either.str.contains("." if default == "," else ",", regex=False)]
    plain = written[written.str.fullmatch(r"[+-]?\d{4,}")]
    if len(grouping) and len(plain):  # thousands grouped in some values but not in others: decimals?
        raise InputError("table.ambiguous_thousands", label=where.label, value=where.value(either.index[0]),
                         row=where.at(either.index[0]), plain=where.value(plain.index[0]),
                         plain_row=where.at(plain.index[0]), hint=Message(UNSURE))
    return default


def _parse(value: str, mark: str) -> float:
    thousands = "." if mark == "," else ","
    return float(value.replace(thousands, "").replace(mark, "."))


def _check_kind(parsed: pd.Series, where: _Where, kind: str) -> None:
    """Areas must be more than 0; counts whole, 0 or more and below 2^53."""
    if kind == "number":
        return
    known = parsed.dropna()
    if kind == "area":
        wrong, rule = known[known <= 0], "table.rule_area"
    else:
        wrong, rule = known[(known < 0) | (known != known.map(math.floor))], "table.rule_count"
        if not len(wrong):
            wrong, rule = known[known >= EXACT], "table.rule_count_exact"
    if len(wrong):
        where.fail("table.against_rule", wrong.index[0], rule=Message(rule, limit=EXACT))
