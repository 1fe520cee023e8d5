"""Aliases: names as a layer writes them -> the names a plan uses (renamed units).

>>> apply_aliases(pd.Series(["Thừa Thiên Huế"]), {"thừa thiên huế": "Thành phố Huế"})[0].tolist()
['Thành phố Huế']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..io.tables import read_table
from .names import exact_key, fold, folded_key, plain_keys


def read_aliases(path: str | Path) -> dict[str, str]:
    """Read an alias CSV with columns ``from,to`` into a dict of exact keys.

    >>> read_aliases("aliases.csv")  # doctest: +SKIP
    {'thừa thiên huế': 'Thành phố Huế'}
    """
    table = read_table(path, "alias")
    if not {"from", "to"} <= set(table.columns):
        raise InputError("link.alias_columns", path=path, found=", ".join(table.columns))
    return {exact_key(a): b for a, b in zip(table["from"], table["to"]) if str(a).strip()}


def apply_aliases(values: pd.Series, aliases: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Layer values with aliases applied, and a mask of the renamed ones; a value
    written without diacritics ("Thua Thien Hue") takes the alias its folded key
    points to, when only one does.

    >>> apply_aliases(pd.Series(["Thua Thien Hue", "Huế"]), {"thừa thiên huế": "Thành phố Huế"})[0].tolist()
    ['Thành phố Huế', 'Huế']
    """
    by_fold: dict[str, set] = {}
    for key, to in aliases.items():
        by_fold.setdefault(folded_key(key), set()).add(to)
    folded = {key: next(iter(to)) for key, to in by_fold.items() if len(to) == 1}
    def alias(value: str):
        found = aliases.get(exact_key(value))
        if found is None and fold(value) == value.lower():  # no diacritic at all: the folded key is all it says
            found = next((folded[k] for k in plain_keys(value) if k in folded), None)
        return found

    renamed_to = pd.Series([alias(v) for v in values.tolist()], index=values.index, dtype=object)
    renamed = renamed_to.notna()
    return values.where(~renamed, renamed_to), renamed
