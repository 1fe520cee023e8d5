"""Columns of a result's layers as the page reads them: plain lists of numbers, texts, codes and flags.

Missing values become None (JSON null); codes are text, flags booleans.

>>> numbers([1.234, None], 1), texts(["a", float("nan")])
([1.2, None], ['a', None])
"""

from __future__ import annotations

import math

import pandas as pd

from ..values import as_code, flag


def column(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def numbers(values, digits: int | None = None) -> list:
    arr = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    out = []
    for v in arr:
        if not math.isfinite(v):
            out.append(None)
        elif digits == 0:
            out.append(int(round(v)))
        elif digits is None:
            out.append(float(v))
        else:
            out.append(round(float(v), digits))
    return out


def texts(values) -> list:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append(None)
        else:
            s = str(v)
            out.append(s if s.lower() not in ("nan", "<na>", "none") else None)
    return out


def words(values) -> list:
    """Like :func:`texts`, but the word "none" (``linked_by`` of an old unit without polygon) is kept.

    >>> words(["none", None, float("nan"), "code"])
    ['none', None, None, 'code']
    """
    return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]


def codes(values) -> list:
    """Codes as text (:func:`geoplan.values.as_code`), None where missing.

    >>> codes([30502.0, None, "00004"])
    ['30502', None, '00004']
    """
    return as_code(pd.Series(list(values), dtype=object)).tolist()


def flags(values) -> list:
    """Yes/no flags (:func:`geoplan.values.flag`), None where missing or neither.

    >>> flags(["1", "no", None])
    [True, False, None]
    """
    return [flag(v) for v in values]
