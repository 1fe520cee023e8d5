"""The text of a check, in the language in use: how the declared codes matched, the verdicts,
the largest differences, the units absent on either side and the declared figures that look
wrong (suspected copies, hectares, far off).

>>> from geoplan.i18n import using
>>> t = pd.DataFrame({"code": ["a"], "name": ["A"], "area_km2": [10.0], "area_declared_km2": [1000.0],
...                   "area_diff_km2": [-990.0], "area_diff_pct": [-99.0], "verdict": ["suspect declared"],
...                   "note": ["hectares?"], "declared_issue": ["hectares"]})
>>> with using("vi"):
...     print(summarize(t, 2.0).splitlines()[1])
Kết luận: nghi số liệu công bố sai 1
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import Message, render
from ..io.labels import labelled, value_label
from .compare import copy_key

LIST_UP_TO = 10  # units named in one summary line
ABSENT = {"no polygon": "check.warn_no_polygon", "not in result": "check.warn_not_in_result"}
CODED = ("verdict", "population_verdict", "declared_issue")  # columns of coded values, shown translated


def label(row) -> str:
    """A unit as a line names it: "code name (parent)".

    >>> from types import SimpleNamespace
    >>> label(SimpleNamespace(code="30502", name="Phường Thới Sơn", parent="Tỉnh An Giang"))
    '30502 Phường Thới Sơn (Tỉnh An Giang)'
    """
    parent = getattr(row, "parent", "")
    return f"{row.code} {row.name}" + (f" ({parent})" if isinstance(parent, str) and parent else "")


def some(labels: list[str], limit: int = LIST_UP_TO) -> str:
    """The first ``limit`` labels, and how many more.

    >>> some(["a", "b", "c"], 2) in ("a, b and 1 more", "a, b và 1 đơn vị khác")
    True
    """
    more = render("check.and_more", n=len(labels) - limit) if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


def _more(left: int) -> list[str]:
    """The line that ends a list cut short: how many more there are, and where."""
    return [render("check.more_in_csv", n=left)] if left > 0 else []


def fold_apart(table: pd.DataFrame) -> pd.Series:
    """How far apart computed and declared areas are, the same either way:
    abs(log(computed / declared)), so a declared area 100 times too large
    (-99%) is as far off as one 100 times too small (+9,900%).

    >>> t = pd.DataFrame({"area_km2": [10.0, 10.0, 10.0], "area_declared_km2": [1000.0, 0.1, 5.0]})
    >>> np.exp(fold_apart(t)).round(1).tolist()
    [100.0, 100.0, 2.0]
    """
    with np.errstate(divide="ignore"):  # a unit of no area is infinitely far off
        return np.log(table["area_km2"] / table["area_declared_km2"]).abs()


def summarize(table: pd.DataFrame, tolerance_pct: float, worst: int = 10) -> str:
    """Median and worst differences, counts per verdict, absent units and the declared figures
    that look wrong (see the module's example)."""
    present = table[~table["verdict"].isin(list(ABSENT))]
    have = present.dropna(subset=["area_diff_pct"])
    verdicts = ", ".join(render("check.verdict_count", verdict=value_label(v), n=n)
                         for v, n in table["verdict"].value_counts().items())
    lines = [render("check.checked", n=len(present), with_area=len(have)), render("check.verdicts", verdicts=verdicts)]
    if len(have):
        lines.append(render("check.area_median", median=have["area_diff_pct"].abs().median(), tolerance=tolerance_pct))
    if "population_diff_pct" in table and table["population_diff_pct"].notna().any():
        lines.append(render("check.population_median", median=table["population_diff_pct"].dropna().median() / 100))
    outliers = have.loc[fold_apart(have).sort_values(ascending=False, kind="stable").index].head(worst)
    if len(outliers):
        lines.append(render("check.largest"))
        for row in outliers.itertuples():
            line = render("check.largest_row", unit=label(row), computed=row.area_km2, declared=row.area_declared_km2,
                          diff=row.area_diff_km2, pct=row.area_diff_pct / 100)
            lines.append(line + (f"  [{row.note}]" if row.note else ""))  # a note may be long: never cut
        beyond = have.index[have["area_diff_pct"].abs() > tolerance_pct]
        lines += _more(len(beyond.difference(outliers.index)))
    return "\n".join(lines + absent_lines(table) + _copy_lines(table) + _odd_lines(table, worst * 3))


def absent_lines(table: pd.DataFrame) -> list[str]:
    """One warning line per kind of absent unit: plan units without polygon, declared codes matching no unit.

    >>> from geoplan.i18n import using
    >>> with using("en"):
    ...     absent_lines(pd.DataFrame({"code": ["00340"], "name": ["Phường Yên Sở"], "verdict": ["no polygon"]}))
    ['Warnings: 1 new units of the plan have no polygon: 00340 Phường Yên Sở (all in the CSV)']
    """
    lines = []
    for verdict, message_id in ABSENT.items():
        rows = table[table["verdict"] == verdict]
        if len(rows):
            same = rows["same_name"].fillna("") if "same_name" in rows else pd.Series("", index=rows.index)
            labels = [f"{code} {name}".strip() + (render("check.same_name_short", codes=codes) if codes else "")
                      for code, name, codes in zip(rows["code"], rows["name"], same)]
            lines.append(render(message_id, n=len(rows)) + " " + some(labels) + render("check.all_in_csv"))
    return lines


def printable(table: pd.DataFrame) -> str:
    """The per-unit table for the terminal: computed beside declared, differences, verdict; in the language in use."""
    columns = ["code", "name", "area_km2", "schematic_area_km2", "area_declared_km2", "area_diff_km2", "area_diff_pct",
               "population", "population_declared", "population_diff_pct", "verdict"]
    shown = display(table[[c for c in columns if c in table]])
    return labelled(shown, CODED).to_string(index=False, na_rep="-")


def display(table: pd.DataFrame) -> pd.DataFrame:
    """Numbers written the language's way for a text table: people whole, other figures with 2 decimals, gaps blank.

    >>> display(pd.DataFrame({"population": [24705.0], "area_km2": [3359.8]})).values.tolist() in (
    ...     [["24,705", "3,359.80"]], [["24.705", "3.359,80"]])
    True
    """
    shown = table.copy()
    for column in shown.columns[shown.dtypes.map(lambda t: t.kind == "f")]:
        whole = column.startswith("population") and not column.endswith("pct")
        shown[column] = [render("check.cell_whole" if whole else "check.cell", value=v) if pd.notna(v) else ""
                         for v in shown[column]]
    return shown


def _copy_lines(table: pd.DataFrame, limit: int = 30) -> list[str]:
    """One line per group of units sharing identical declared figures (a known upstream copy
    error), the groups with a suspected copy first, at most ``limit`` (all are in the reports)."""
    if "declared_issue" not in table:
        return []
    copies = table[table["declared_issue"].isin(["suspected copy", "identical figures"])]
    if copies.empty:
        return []
    key = copy_key(copies)
    groups = list(copies.groupby([key[column] for column in key.columns]))
    groups.sort(key=lambda item: not (item[1]["declared_issue"] == "suspected copy").any())
    lines = [render("check.warn_copies", n=len(copies), groups=len(groups))]
    for (area, pop, _), group in groups[:limit]:
        members = "; ".join(render("check.copy_member", unit=label(row), computed=row.area_km2,
                                   verdict=value_label(row.verdict)) for row in group.itertuples())
        figures = render("check.copy_figures", area=area, population=pop) if pop > 0 else \
            render("check.copy_figures_no_population", area=area)
        lines.append(f"  {figures}: {members}")
    return lines + _more(len(groups) - limit)


def _odd_lines(table: pd.DataFrame, limit: int) -> list[str]:
    """Declared areas that look like hectares (the surest, listed first) or are
    far from the computed ones (the farthest first), at most ``limit``.

    >>> from geoplan.i18n import using
    >>> t = pd.DataFrame({"code": ["a", "b", "c"], "name": ["A", "B", "C"], "area_km2": [10.0, 10.0, 10.0],
    ...                   "area_declared_km2": [50.0, 1000.0, 40.0], "note": ["5.0-fold", "hectares?", "4.0-fold"],
    ...                   "declared_issue": ["far off", "hectares", "far off"]})
    >>> with using("en"):
    ...     print("\\n".join(_odd_lines(t, 2)))
    Warnings: 3 declared areas look wrong or far off (all in the CSV):
      b B: declared 1,000.00 km2, computed 10.00 km2: hectares?
      a A: declared 50.00 km2, computed 10.00 km2: 5.0-fold
      ... and 1 more (all in the CSV)
    """
    if "declared_issue" not in table:
        return []
    odd = table[table["declared_issue"].isin(["hectares", "far off"])]
    if odd.empty:
        return []
    hectares = odd["declared_issue"] == "hectares"
    odd = odd.iloc[np.lexsort((-fold_apart(odd).to_numpy(), ~hectares.to_numpy()))]
    lines = [render("check.warn_odd", n=len(odd))]
    for row in odd.head(limit).itertuples():
        lines.append(render("check.odd_row", unit=label(row), declared=row.area_declared_km2, computed=row.area_km2)
                     + " " + row.note)
    return lines + _more(len(odd) - limit)


def declared_lines(source: str, n_declared: int, n_units: int, n_matched: int, by_value: list[str]) -> list[str]:
    """How the declared codes matched the result's units.

    >>> from geoplan.i18n import using
    >>> with using("en"):
    ...     declared_lines("d.csv", 34, 34, 34, [])
    ['Declared figures (d.csv): 34 codes; figures for 34 of 34 units.']
    """
    zeros = Message("check.declared_by_value", n=len(by_value), codes=some(by_value, 5)) if by_value else ""
    return [render("check.declared", source=source, n=n_declared, matched=n_matched, units=n_units, zeros=zeros)]
