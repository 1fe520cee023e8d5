"""Which old and new units a layer is expected to hold, by the parents it covers.

A layer covering some provinces only (an extract) is expected to produce only
their new units; the others are counted, not listed as missing.

>>> links = pd.DataFrame({"old_parent": ["P", "Q"], "new_code": ["1", "2"]})
>>> sorted(units_within_layer(links, pd.Series([True, False])))
['1']
"""

from __future__ import annotations

import pandas as pd


def parents_in_layer(links: pd.DataFrame, has_polygon: pd.Series) -> set:
    """The parents (old provinces) a layer covers: those where at least one old
    unit has a polygon, and "" (no parent given). ``links``: rows with
    ``old_parent``; ``has_polygon``: a mask over them.

    >>> sorted(parents_in_layer(pd.DataFrame({"old_parent": ["P", "Q"]}), pd.Series([True, False])))
    ['', 'P']
    """
    return set(links.loc[has_polygon.to_numpy(), "old_parent"].tolist()) | {""}


def _within_rows(links: pd.DataFrame, has_polygon: pd.Series) -> pd.Series:
    """Rows of ``links`` a layer is expected to hold (see :func:`units_within_layer`)."""
    covered = parents_in_layer(links, has_polygon)
    within = links["old_parent"].isin(covered)
    no_parent = links["old_parent"] == ""
    if "new_parent" in links.columns and (~no_parent).any():
        provinces = set(links.loc[within & ~no_parent, "new_parent"].tolist())
        within &= ~no_parent | links["new_parent"].isin(provinces) | (links["new_parent"] == "")
    return within


def units_within_layer(links: pd.DataFrame, has_polygon: pd.Series) -> set:
    """New units a layer is expected to cover: those with an old unit in a parent
    the layer covers (:func:`parents_in_layer`). A one-province extract expects
    that province's new units only; a layer without parents, all of them.
    ``links``: rows with ``old_parent`` and ``new_code``, and optionally
    ``new_parent``: an old unit with no parent (an island district) is then
    expected when its new province has expected units of its own.

    >>> links = pd.DataFrame({"old_parent": ["P", "P", "Q", ""], "new_code": ["1", "2", "3", "4"]})
    >>> sorted(units_within_layer(links, pd.Series([True, False, False, False])))
    ['1', '2', '4']
    >>> sorted(units_within_layer(links.assign(new_parent=["X", "X", "Y", "Y"]), pd.Series([True, False, False, False])))
    ['1', '2']
    """
    return set(links.loc[_within_rows(links, has_polygon), "new_code"].tolist())


def members_within_layer(links: pd.DataFrame, has_polygon: pd.Series) -> set:
    """Old units a layer is expected to hold: those of the rows of :func:`units_within_layer`.

    >>> links = pd.DataFrame({"old_code": ["a", "b", "c"], "old_parent": ["P", "Q", ""], "new_code": ["1", "2", "1"],
    ...                       "new_parent": ["X", "Y", "X"]})
    >>> sorted(members_within_layer(links, pd.Series([True, False, False])))
    ['a', 'c']
    """
    return set(links.loc[_within_rows(links, has_polygon), "old_code"].tolist())
