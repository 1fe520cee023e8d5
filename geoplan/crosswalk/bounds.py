"""Bounds of the counts of new units wherever divided old units contribute, as NHGIS publishes them.

The lower bound counts only what is certain: the old units that went whole. The upper bound
adds, whole, every divided old unit the plan links to the new unit (whatever share of it the
unit received: a part cut along a reference, or all or nothing when it could not be split).

>>> pieces = pd.DataFrame({"old_code": ["a", "d", "d"], "new_code": ["X", "X", "Y"], "basis": ["whole", "split:reference",
...                        "split:reference"], "population": [100, 30, 70]})
>>> links = pd.DataFrame({"old_code": ["a", "d", "d"], "new_code": ["X", "X", "Y"], "link": ["full", "partial", "partial"]})
>>> count_bounds(pieces, links, ["population"]).to_dict("index")
{'X': {'population_lower': 100, 'population_upper': 200}, 'Y': {'population_lower': 0, 'population_upper': 100}}
"""

from __future__ import annotations

import pandas as pd


def count_bounds(pieces: pd.DataFrame, links: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    """Per new unit, ``<count>_lower`` and ``<count>_upper`` of each count (see the module's description);
    ``links``: the plan's links (old_code, new_code, link)."""
    units = pd.Index(sorted(set(pieces["new_code"].tolist()) | set(links["new_code"].tolist())), name="new_code")
    certain = pieces[pieces["basis"] == "whole"].groupby("new_code")[counts].sum()
    divided = pieces[pieces["basis"] != "whole"]
    whole_value = divided.groupby("old_code")[counts].sum()
    partial = links[(links["link"] == "partial") & links["old_code"].isin(whole_value.index)]
    at_most = whole_value.reindex(partial["old_code"]).set_axis(partial["new_code"]).groupby(level=0).sum()
    out = pd.DataFrame(index=units)
    for column in counts:
        lower = certain[column].reindex(units, fill_value=0) if column in certain else pd.Series(0, index=units)
        out[f"{column}_lower"] = lower
        out[f"{column}_upper"] = lower + at_most[column].reindex(units, fill_value=0) if len(at_most) else lower
    return out
