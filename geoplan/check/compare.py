"""Compare a table of units with declared figures: verdicts, suspected copies, known reasons.

For every unit, computed and declared area and population side by side, the
absolute and relative differences and a verdict against a tolerance. The
declared figures are checked too: units with identical declared figures are
a known upstream copy error (the members whose computed area disagrees are
the suspected copies), an area a hundred times the computed one was probably
entered in hectares, and one far from the computed area is worth a look.
Known reasons for large differences come from the built-in tables.

>>> units = pd.DataFrame({"code": ["a"], "name": ["A"], "area_km2": [50.2]})
>>> declared = pd.DataFrame({"area_declared_km2": [49.36], "population_declared": [None]}, index=["a"])
>>> compare(units, declared, tolerance_pct=2.0)["verdict"].tolist()
['ok']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import Message, render
from ..link.names import folded_key
from .declared import known_differences

HECTARE_RATIO = (50.0, 200.0)  # declared / computed area in this range: hectares entered as km2
IMPLAUSIBLE_RATIO = 3.0  # declared and computed areas further apart than this: check both
SAME_AREA_KM2 = 0.005  # declared areas are given to 0.01 km2
VERDICTS = ("ok", "differs", "incomplete", "suspect declared", "no declared", "no polygon", "not in result",
            "schematic: not compared")  # stable codes in the CSV; shown translated (check.verdict.*)
ISSUES = ("suspected copy", "identical figures", "hectares", "far off")  # column declared_issue: what looks wrong


def known_reasons(figures: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """Known reasons for large differences, by code, whatever file the figures came from,
    in the language in use.

    The built-in declared tables carry reasons (``boundaries/vn-2025-known-differences.csv``);
    a reason applies here when the unit has the same code and name and the
    declared area is the same as in the built-in table the reason was written for.

    >>> from geoplan.i18n import using
    >>> units = pd.DataFrame({"code": ["56"], "name": ["Tỉnh Khánh Hòa"]})
    >>> with using("en"):
    ...     known_reasons(pd.DataFrame({"area_declared_km2": [8555.86]}, index=["56"]), units)["56"][:25]
    'known for the c.2013 laye'
    """
    known = known_differences()
    names = units.set_index("code")["name"].fillna("").astype(str)
    out = {}
    for code in known.index.intersection(figures.index).intersection(names.index):
        same_unit = folded_key(names[code]) == folded_key(known.at[code, "name"])
        same_area = abs(figures.at[code, "area_declared_km2"] - known.at[code, "area_declared_km2"]) <= SAME_AREA_KM2
        if same_unit and same_area:
            out[code] = known.at[code, "note"]
    return pd.Series(out, dtype=object)


def copy_groups(declared: pd.DataFrame) -> list[list[str]]:
    """Groups of codes whose declared figures are identical: the same declared
    area and population, or, where no population is declared, the same area
    and the same name (homonyms in different provinces).

    >>> d = pd.DataFrame({"area_declared_km2": [49.36, 49.36, 5.0], "population_declared": [33045, 33045, 10]},
    ...                  index=["30502", "28270", "1"])
    >>> copy_groups(d)
    [['30502', '28270']]
    >>> copy_groups(pd.DataFrame({"area_declared_km2": [49.36, 49.36], "population_declared": [None, None],
    ...                           "name": ["Phường Thới Sơn", "Phường Thới Sơn"]}, index=["30502", "28270"]))
    [['30502', '28270']]
    """
    known = copy_key(declared.dropna(subset=["area_declared_km2"]))
    known = known[(known["population"] > 0) | (known["name"] != "")]
    return [list(codes) for codes in known.groupby(list(known.columns), sort=False).groups.values() if len(codes) > 1]


def copy_key(frame: pd.DataFrame) -> pd.DataFrame:
    """What two units share when one's declared figures look copied from the other's:
    the declared area and population, or, where no population is declared
    (population -1), the diacritic-folded name ("" when there is none).

    >>> copy_key(pd.DataFrame({"area_declared_km2": [49.36, 49.36], "population_declared": [33045, None],
    ...                        "name": ["Phường Thới Sơn", "Phường Thới Sơn"]}, index=["30502", "28270"])).values.tolist()
    [[49.36, 33045.0, ''], [49.36, -1.0, 'thoi son']]
    """
    population = pd.to_numeric(frame["population_declared"], errors="coerce") if "population_declared" in frame \
        else pd.Series(np.nan, index=frame.index)
    counted = population > 0
    names = frame["name"].fillna("").astype(str).map(folded_key) if "name" in frame else pd.Series("", index=frame.index)
    return pd.DataFrame({"area": frame["area_declared_km2"], "population": population.where(counted, -1),
                         "name": names.where(~counted, "")}, index=frame.index)


def side_by_side(units: pd.DataFrame, declared: pd.DataFrame) -> pd.DataFrame:
    """Computed and declared figures of every unit, without comparing them.

    >>> side_by_side(pd.DataFrame({"code": ["a"], "name": ["A"], "area_km2": [50.2]}),
    ...              pd.DataFrame({"area_declared_km2": [49.36]}, index=["a"])).columns.tolist()
    ['code', 'name', 'area_km2', 'area_declared_km2', 'note']
    """
    table = units[[c for c in ("code", "name", "parent", "area_km2", "population") if c in units]].copy()
    table = table.join(declared.drop(columns=["name"], errors="ignore"), on="code")
    for column in ("area_declared_km2", "note"):
        if column not in table:
            table[column] = np.nan if column == "area_declared_km2" else ""
    table["note"] = table["note"].fillna("").astype(str)
    return table


def compare(units: pd.DataFrame, declared: pd.DataFrame, tolerance_pct: float = 2.0,
            pop_tolerance_pct: float = 35.0) -> pd.DataFrame:
    """One row per unit: computed, declared, differences, verdict and notes.

    Verdicts (stable codes, shown translated in reports: :data:`VERDICTS`): ``ok`` (area within
    tolerance), ``differs``, ``incomplete`` (differs, and some of the unit's old units have no
    polygon: column ``n_members_missing`` of the units), ``suspect declared`` (the declared
    figure looks wrong), ``no declared``. Where units share identical declared figures, those
    whose computed area disagrees with them are the suspected copies when another's agrees;
    when all agree or all disagree, each is noted as sharing identical figures. Column
    ``declared_issue`` says what looks wrong in the declared figures (:data:`ISSUES`: ``suspected
    copy``, ``identical figures``, ``hectares``, ``far off``, "" when nothing); ``note`` says it
    in words, in the language in use.

    >>> units = pd.DataFrame({"code": ["a"], "name": ["A"], "area_km2": [50.2]})
    >>> declared = pd.DataFrame({"area_declared_km2": [49.36], "population_declared": [None]}, index=["a"])
    >>> compare(units, declared)[["area_diff_pct", "verdict"]].round(2).values.tolist()
    [[1.7, 'ok']]
    """
    table = side_by_side(units, declared)
    table["area_diff_km2"] = table["area_km2"] - table["area_declared_km2"]
    table["area_diff_pct"] = 100 * table["area_diff_km2"] / table["area_declared_km2"]
    if "population" in table and "population_declared" in table:
        table["population_diff"] = table["population"] - table["population_declared"]
        table["population_diff_pct"] = 100 * table["population_diff"] / table["population_declared"].where(table["population_declared"] > 0)
    table["verdict"] = np.where(table["area_declared_km2"].isna(), "no declared",
                                np.where(table["area_diff_pct"].abs() <= tolerance_pct, "ok", "differs"))
    if "population_diff_pct" in table:
        table["population_verdict"] = np.where(table["population_diff_pct"].isna(), "no declared",
                                               np.where(table["population_diff_pct"].abs() <= pop_tolerance_pct, "ok", "differs"))
    table["declared_issue"] = ""
    copied = _note_copies(table, declared)
    missing = pd.Series(units["n_members_missing"].to_numpy() if "n_members_missing" in units else 0, index=table.index)
    incomplete = missing > 0
    for i in table.index[incomplete]:  # the merge lacks polygons here: not the declared figures' fault
        table.at[i, "note"] = join_notes(table.at[i, "note"], render("check.note_incomplete", n=int(missing[i])))
        if table.at[i, "verdict"] == "differs":
            table.at[i, "verdict"] = "incomplete"
    ratio = table["area_declared_km2"] / table["area_km2"]
    hectares = ratio.between(*HECTARE_RATIO) & ~incomplete
    for i in table.index[hectares]:
        table.at[i, "note"] = join_notes(table.at[i, "note"], render("check.note_hectares", ratio=ratio[i]))
        table.at[i, "verdict"] = "suspect declared"
    far = ~hectares & ((ratio > IMPLAUSIBLE_RATIO) | (ratio < 1 / IMPLAUSIBLE_RATIO)) & ~copied & ~incomplete
    for i in table.index[far]:
        table.at[i, "note"] = join_notes(table.at[i, "note"], render("check.note_far", fold=max(ratio[i], 1 / ratio[i])))
    table.loc[hectares & ~copied, "declared_issue"] = "hectares"
    table.loc[far, "declared_issue"] = "far off"
    return table


def _note_copies(table: pd.DataFrame, declared: pd.DataFrame) -> pd.Series:
    """Note the groups of identical declared figures in ``table``; the mask of their members.

    Within a group, the units whose computed area disagrees are the suspected
    copies when another's agrees; otherwise no member is singled out."""
    names = declared.get("name", pd.Series(dtype=object)).fillna("")
    row_of = pd.Series(table.index, index=table["code"])
    members = []
    for codes in copy_groups(declared):
        here = [code for code in codes if code in row_of.index]
        agree = {code for code in here if table.at[row_of[code], "verdict"] == "ok"}
        mixed = 0 < len(agree) < len(here)
        agreeing = ", ".join(code for code in here if code in agree)
        disagreeing = ", ".join(code for code in here if code not in agree)
        for code in here:
            i = row_of[code]
            others = ", ".join(f"{c} {names.get(c, '')}".strip() for c in codes if c != code)
            counted = "population_declared" in table and table.at[i, "population_declared"] > 0
            same = Message("check.note_same_figures" if counted else "check.note_same_area_name", others=others)
            if mixed and code in agree:
                note, issue = render("check.note_copies_elsewhere", same=same, others=disagreeing), "identical figures"
            elif mixed:
                note, issue = render("check.note_suspected_copy", same=same, others=agreeing), "suspected copy"
            else:
                note, issue = render("check.note_which_right", same=same), "identical figures"
            table.at[i, "note"] = join_notes(table.at[i, "note"], note)
            table.at[i, "declared_issue"] = issue
            if code not in agree:
                table.at[i, "verdict"] = "suspect declared"
            members.append(i)
    return table.index.isin(members)


def join_notes(a: str, b: str) -> str:
    """Two notes joined with "; ", leaving out an empty one.

    >>> join_notes("flagged", ""), join_notes("flagged", "suspected copy")
    ('flagged', 'flagged; suspected copy')
    """
    return "; ".join(text for text in (a, b) if text)
