"""Population estimates: the census counts of the new units, controlled to their parents' declared totals.

A census summed over the old units of a new unit is an old figure (the 2019
census: Thới Sơn, An Giang, 24,705 people), while the declared population of its
parent (the new province, Resolution 202/2025/QH15) is a recent one that also
counts temporary residents. The standard demographic answer is to keep each
unit's share of its parent's census total and scale it to the declared total::

    estimate_j = D_p * C_j / sum(C_k for the units k of parent p)

with ``C_j`` the census count of unit ``j`` (column ``population``) and ``D_p``
the declared population of its parent. Estimates are whole people, allocated by
largest remainder so that each parent's units add up to ``D_p`` exactly.

A parent is controlled only when the result holds every one of its new units
that the old layer covers; its new units without a polygon (the plan's units
whose members the layer lacks) cannot be placed: their residents are counted in
the other units of the parent, and the estimate says so. A parent only partly
in the layer (an extract) gets no estimate.

>>> controlled(np.array([24705, 10000, 5000]), 50000).tolist()
[31111, 12593, 6296]
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from ..check.declared import builtin_figures_for, read_declared
from ..crosswalk.table import has_polygon
from ..i18n import Message, render
from ..plan.coverage import units_within_layer
from ..plan.model import Plan

COLUMN = "population_estimate"
ABOUT = "population_estimate"  # key of the estimate's rows in the result's about layer (units.attrs)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def controlled(census: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers proportional to ``census`` that add up to ``total`` exactly (largest
    remainder: each gets the floor of its quota, the remainders decide who gets one more,
    the larger census first on a tie).

    >>> controlled(np.array([1, 1, 1]), 10).tolist()
    [4, 3, 3]
    >>> int(controlled(np.array([24705.0, 13.5]), 33045).sum())
    33045
    """
    census = np.nan_to_num(np.asarray(census, dtype=float))
    if (census == np.round(census)).all():  # exact integer quotas: total * C_j // sum C
        counts = census.astype(np.int64)
        numerators = counts * int(total)
        whole, remainder = numerators // counts.sum(), numerators % counts.sum()
    else:
        quotas = census * total / census.sum()
        whole = np.floor(quotas).astype(np.int64)
        remainder = quotas - whole
    left = int(total - whole.sum())
    order = np.lexsort((-census, -remainder))
    whole[order[:left]] += 1
    return whole


def count_year(field: str | None) -> str:
    """The year a count field names ("pop2019_vn_demographic": 2019), "" when it names none.

    >>> count_year("pop2019_vn_demographic"), count_year("dan_so")
    ('2019', '')
    """
    found = _YEAR.search(field or "")
    return found.group(1) if found else ""


def control_totals(declared, parent_codes) -> tuple[pd.Series, str] | None:
    """The declared populations of the parents (index: parent code) and where they come from:
    the ``declared`` table of the merge (a CSV path, a built-in name or a table indexed by code)
    when it holds the parents' codes, else the built-in figures whose codes they are.

    >>> totals, source = control_totals(None, ["91", "01"])
    >>> int(totals["01"]), source
    (8718000, 'vn-2025-province')
    """
    codes = pd.Index(sorted(set(parent_codes) - {""}))
    if not len(codes):
        return None
    figures = _declared_table(declared)
    if figures is not None and codes.isin(figures.index).any():
        source = str(declared) if isinstance(declared, (str, os.PathLike)) else "declared"
    else:
        found = builtin_figures_for(codes)
        if found is None:
            return None
        source, figures = found
    totals = figures["population_declared"].reindex(codes).dropna() if "population_declared" in figures else None
    return (totals, source) if totals is not None and len(totals) else None


def _declared_table(declared) -> pd.DataFrame | None:
    """The merge's declared figures as a table indexed by code (None when not given)."""
    if declared is None:
        return None
    if isinstance(declared, pd.DataFrame):
        return declared.set_axis(declared.index.astype(str))
    return read_declared(declared)


def with_population_estimate(units: pd.DataFrame, plan: Plan, pieces: pd.DataFrame, options) -> pd.DataFrame:
    """``units`` with a ``population_estimate`` column (Int64, empty where a unit's parent has
    no declared population or lies only partly in the layer) when the merge summed a population
    and some parent has a declared one; what was done goes to ``units.attrs`` (the about layer).

    >>> units = with_population_estimate(units, plan, pieces, options)  # doctest: +SKIP
    >>> int(units.loc[units["code"] == "30502", "population_estimate"].iloc[0])  # doctest: +SKIP
    33919
    """
    if "population" not in units or "parent_code" not in units:
        return units
    found = control_totals(options.declared, units["parent_code"])
    if found is None:
        return units
    totals, source = found
    links = plan.links
    expected = units_within_layer(links, has_polygon(links["old_code"], pieces))
    plan_units = plan.new_units()
    new_of = plan_units.groupby("new_parent_code")["new_code"].agg(lambda codes: set(codes.tolist()))
    rows_of = units.reset_index(drop=True).groupby("parent_code").indices  # positions of each parent's units
    present, population = set(units["code"].tolist()), units["population"].to_numpy(dtype=float, na_value=np.nan)
    estimate = np.full(len(units), np.nan)
    partial, unplaced = [], []
    for parent, total in totals.items():
        of_parent, rows = new_of.get(parent, set()), rows_of.get(parent, [])
        if not len(rows) or of_parent - expected or not np.nansum(population[rows]) > 0:
            partial += [parent] if len(rows) else []
            continue
        estimate[rows] = controlled(population[rows], int(total))
        unplaced += sorted(of_parent - present)
    estimate = pd.Series(estimate, index=units.index).round().astype("Int64")
    units = units.assign(**{COLUMN: estimate})
    units.attrs[ABOUT] = _about(units, totals, source, options.pop_field, partial, unplaced)
    return units


def _about(units: pd.DataFrame, totals: pd.Series, source: str, pop_field: str | None, partial: list,
           unplaced: list) -> dict[str, str]:
    """The rows the estimate adds to the result's about layer."""
    used = units.dropna(subset=[COLUMN]).groupby("parent_code")[COLUMN].sum()
    return {
        "population_estimate_method": render("estimate.method", field=pop_field or "", year=count_year(pop_field) or "?"),
        "population_estimate_count_field": pop_field or "",
        "population_estimate_count_year": count_year(pop_field),
        "population_estimate_control_source": source,
        "population_estimate_controls": "; ".join(f"{code} {int(totals[code])}" for code in used.index),
        "population_estimate_not_controlled": ", ".join(partial),
        "population_estimate_unplaced_units": ", ".join(unplaced),
    }


def estimate_line(units: pd.DataFrame) -> str:
    """One line for the merge's report: what the estimate is, what it could not place ("" without one).

    >>> estimate_line(pd.DataFrame({"code": ["1"]}))
    ''
    """
    about = units.attrs.get(ABOUT)
    if not about or COLUMN not in units:
        return ""
    unplaced = [code for code in about["population_estimate_unplaced_units"].split(", ") if code]
    partial = [code for code in about["population_estimate_not_controlled"].split(", ") if code]
    return render("estimate.line", year=about["population_estimate_count_year"] or "?",
                  field=about["population_estimate_count_field"],
                  n_parents=len(about["population_estimate_controls"].split("; ")),
                  total=int(units[COLUMN].sum()), source=about["population_estimate_control_source"],
                  unplaced=Message("estimate.unplaced", n=len(unplaced), units=_some(unplaced)) if unplaced else "",
                  partial=Message("estimate.partial", n=len(partial), parents=", ".join(partial)) if partial else "")


def _some(codes: list[str], shown: int = 10) -> str:
    """The first ``shown`` codes, and how many more.

    >>> _some([str(i) for i in range(12)], 3)
    '0, 1, 2 and 9 more'
    """
    more = str(Message("link_report.and_more", n=len(codes) - shown)) if len(codes) > shown else ""
    return ", ".join(codes[:shown]) + more
