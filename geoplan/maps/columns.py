"""Columns of a result's layers as the page reads them: plain lists of numbers, texts, codes and flags.

Missing values become None (JSON null); codes are text, flags booleans. Each
conversion is one pass over a numpy array (the national map converts about
200,000 values per column kind).

>>> numbers([1.234, None], 1), texts(["a", float("nan")])
([1.2, None], ['a', None])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..values import as_code, flag

_MISSING_WORDS = frozenset({"nan", "<na>", "none"})


def column(df: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name`` of ``df``, or one of missing values when it has none.

    >>> column(pd.DataFrame({"a": [1]}), "b").tolist()
    [None]
    """
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _objects(values) -> np.ndarray:
    """Values as a numpy object array, None where missing."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return series.to_numpy(dtype=object, na_value=None)


def numbers(values, digits: int | None = None) -> list:
    """Numbers rounded to ``digits`` (0: whole numbers as ints), None where missing or not a number.

    >>> numbers(["2.5", "x", 7.0], 0)
    [2, None, 7]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(arr)
    if digits == 0:
        kept = np.where(finite, np.round(arr), 0).astype(np.int64).astype(object)
    else:
        kept = (arr if digits is None else np.round(arr, digits)).astype(object)
    kept[~finite] = None
    return kept.tolist()


def texts(values) -> list:
    """Texts, None where missing (and for the words pandas writes for missing values).

    >>> texts(["Xã A", None, "nan", 3])
    ['Xã A', None, None, '3']
    >>> texts(pd.Series(["Xã A", "NaN", None], dtype="str"))
    ['Xã A', None, None]
    """
    if isinstance(values, pd.Series) and pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        arr = values.to_numpy(dtype=object, na_value=None)  # text columns: one vectorized pass
        missing = (values.str.len() <= 4) & values.str.lower().isin(_MISSING_WORDS)
        arr[missing.to_numpy(dtype=bool, na_value=False)] = None
        return arr.tolist()
    out = []
    for v in _objects(values):
        if v is None:
            out.append(None)
            continue
        s = v if v.__class__ is str else str(v)
        out.append(None if len(s) <= 4 and s.lower() in _MISSING_WORDS else s)
    return out


def words(values) -> list:
    """Like :func:`texts`, but the word "none" (``linked_by`` of an old unit without polygon) is kept.

    >>> words(["none", None, float("nan"), "code"])
    ['none', None, None, 'code']
    """
    return [None if v is None else v if v.__class__ is str else str(v) for v in _objects(values)]


def codes(values) -> list:
    """Codes as text (:func:`geoplan.values.as_code`), None where missing.

    >>> codes([30502.0, None, "00004"])
    ['30502', None, '00004']
    >>> codes(pd.Series([" 01", "", None], dtype="str"))
    ['01', None, None]
    """
    if isinstance(values, pd.Series) and pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        stripped = values.str.strip()  # text already (GeoPackage fields): strip, in one vectorized pass
        return stripped.where(stripped != "").to_numpy(dtype=object, na_value=None).tolist()
    return as_code(pd.Series(_objects(values), dtype=object)).tolist()


def flags(values) -> list:
    """Yes/no flags (:func:`geoplan.values.flag`), None where missing or neither.

    >>> flags(["1", "no", None])
    [True, False, None]
    """
    if isinstance(values, pd.Series) and values.dtype == bool:
        return values.tolist()
    return [flag(v) for v in _objects(values)]
