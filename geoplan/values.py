"""Codes and yes/no flags as files write them, read one way everywhere.

Codes are text: leading zeros matter ("00004" is not "4"), but numeric fields
and Excel drop them, and Shapefiles store codes as floats ("805.0"). Flags
come as 1/0, true/false, yes/no or x.

>>> as_code(pd.Series([805.0, None, " 00001 "])).tolist()
['805', None, '00001']
>>> zero_free("00004"), flag("TRUE"), flag("")
('4', True, False)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRUE_WORDS = frozenset({"1", "1.0", "true", "t", "yes", "y", "x"})  # Excel writes TRUE / FALSE
FALSE_WORDS = frozenset({"", "0", "0.0", "false", "f", "no", "n"})


def as_code(values: pd.Series) -> pd.Series:
    """Codes as text: floats like 805.0 become "805", text is stripped, missing stays missing.

    >>> as_code(pd.Series([805.0, float("nan"), 1.5])).tolist()
    ['805', None, '1.5']
    >>> as_code(pd.Series(["30502.0", 7])).tolist()
    ['30502.0', '7']
    """
    if values.dtype.kind == "f":  # float columns (codes read from Shapefiles): whole numbers without ".0"
        numbers = values.to_numpy()
        out = np.full(len(numbers), None, dtype=object)
        finite = np.isfinite(numbers)
        whole = finite & (numbers == np.round(numbers)) & (np.abs(numbers) < 2**53)
        out[whole] = numbers[whole].astype(np.int64).astype(str)
        out[finite & ~whole] = [str(v) for v in numbers[finite & ~whole]]
        return pd.Series(out, index=values.index, dtype=object)

    def one(value):
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        text = str(value).strip()
        return text or None

    return pd.Series([one(v) for v in values.to_numpy(dtype=object, na_value=None)], index=values.index, dtype=object)


def zero_free(code: str) -> str:
    """A numeric code without its leading zeros; other codes as they are.

    Excel and numeric Shapefile fields drop the zeros of "00004".

    >>> zero_free("00004"), zero_free("0"), zero_free("A04")
    ('4', '0', 'A04')
    """
    return (code.lstrip("0") or "0") if code.isdigit() else code


def lost_zeros(code: str) -> bool:
    """A numeric code with no leading zero, as a numeric field or Excel leaves "00004".

    >>> lost_zeros("4"), lost_zeros("04"), lost_zeros("A4")
    (True, False, False)
    """
    return code.isdigit() and not code.startswith("0")


def is_flag(text) -> bool:
    """Whether ``text`` reads as a yes/no flag (see :func:`flag`).

    >>> is_flag("Yes"), is_flag("maybe")
    (True, False)
    """
    return str(text).strip().lower() in TRUE_WORDS | FALSE_WORDS


def flag(text) -> bool | None:
    """A yes/no flag as written in a file: True, False, or None when it is neither
    (missing values are None too).

    >>> flag("x"), flag("0"), flag(None), flag("maybe")
    (True, False, None, None)
    """
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return None
    word = str(text).strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
