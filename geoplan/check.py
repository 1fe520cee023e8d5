"""Check computed figures against declared ones, and the declared ones themselves.

For every unit: computed and declared area and population side by side, the
absolute and relative differences and a verdict against a tolerance. The
declared table is checked too: two units with identical declared figures
are a known upstream copy error, and an area a hundred times the computed
one was probably entered in hectares.

>>> table = compare(units, declared, tolerance_pct=2.0)  # doctest: +SKIP
>>> print(run_check("merged.gpkg"))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from .errors import InputError
from .names import folded_key

HECTARE_RATIO = (50.0, 200.0)  # declared / computed area in this range: hectares entered as km2
PRINT_ALL_UP_TO = 100  # units: up to this many, the whole table is printed too
IMPLAUSIBLE_RATIO = 3.0  # declared and computed areas further apart than this: check both


def read_result_layer(path: str | Path, layer: str) -> pd.DataFrame:
    """A layer of a result GeoPackage, without geometry.

    >>> read_result_layer("communes.gpkg", "about").set_index("key").loc["plan", "value"]  # doctest: +SKIP
    'vn-2025-commune'
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    layers = [name for name, _ in pyogrio.list_layers(path)] if path.suffix.lower() == ".gpkg" else []
    if layer not in layers:
        raise InputError(f"{path}: no layer {layer!r}; is it a GeoPackage written by geoplan merge?")
    return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)


def suspect_copies(declared: pd.DataFrame) -> pd.Series:
    """For each code whose declared figures look copied from another unit's, the other codes.

    Identical declared area and population on two units is a known upstream
    copy error; where no population is declared, an identical area on two
    units of the same name (homonyms in different provinces) is taken as one.

    >>> d = pd.DataFrame({"area_declared_km2": [49.36, 49.36, 5.0], "population_declared": [33045, 33045, 10]},
    ...                  index=["30502", "28270", "1"])
    >>> suspect_copies(d).to_dict()
    {'30502': '28270', '28270': '30502'}
    >>> d = pd.DataFrame({"area_declared_km2": [49.36, 49.36], "population_declared": [None, None],
    ...                   "name": ["Phường Thới Sơn", "Phường Thới Sơn"]}, index=["30502", "28270"])
    >>> suspect_copies(d).to_dict()
    {'30502': '28270', '28270': '30502'}
    """
    known = _copy_key(declared.dropna(subset=["area_declared_km2"]))
    groups = known[(known["population"] > 0) | (known["name"] != "")].groupby(list(known.columns)).groups.values()
    out = {}
    for codes in groups:
        if len(codes) > 1:
            for code in codes:
                out[code] = ",".join(str(c) for c in codes if c != code)
    return pd.Series(out, dtype=object)


def _copy_key(frame: pd.DataFrame) -> pd.DataFrame:
    """What two units share when one's declared figures look copied from the other's:
    the declared area and population, or, where no population is declared
    (population -1), the diacritic-folded name ("" when there is none)."""
    population = pd.to_numeric(frame["population_declared"], errors="coerce") if "population_declared" in frame \
        else pd.Series(np.nan, index=frame.index)
    counted = population > 0
    names = frame["name"].fillna("").astype(str).map(folded_key) if "name" in frame else pd.Series("", index=frame.index)
    return pd.DataFrame({"area": frame["area_declared_km2"], "population": population.where(counted, -1),
                         "name": names.where(~counted, "")}, index=frame.index)


def compare(units: pd.DataFrame, declared: pd.DataFrame, tolerance_pct: float = 2.0,
            pop_tolerance_pct: float = 35.0) -> pd.DataFrame:
    """One row per unit: computed, declared, differences, verdict and notes.

    Verdicts: ``ok`` (area within tolerance), ``differs``, ``suspect declared``
    (the declared figure looks wrong), ``no declared``.

    >>> units = pd.DataFrame({"code": ["a"], "name": ["A"], "area_km2": [50.2]})
    >>> declared = pd.DataFrame({"area_declared_km2": [49.36], "population_declared": [None]}, index=["a"])
    >>> compare(units, declared)[["area_diff_pct", "verdict"]].round(2).values.tolist()
    [[1.7, 'ok']]
    """
    table = units[[c for c in ("code", "name", "parent", "area_km2", "population") if c in units]].copy()
    table = table.drop(columns=[c for c in ("area_declared_km2", "population_declared") if c in table])
    table = table.join(declared.drop(columns=["name"], errors="ignore"), on="code")
    if "note" not in table:
        table["note"] = ""
    table["note"] = table["note"].fillna("").astype(str)
    table["area_diff_km2"] = table["area_km2"] - table["area_declared_km2"]
    table["area_diff_pct"] = 100 * table["area_diff_km2"] / table["area_declared_km2"]
    if "population" in table:
        table["population_diff"] = table["population"] - table["population_declared"]
        table["population_diff_pct"] = 100 * table["population_diff"] / table["population_declared"].where(table["population_declared"] > 0)
    verdict = np.where(table["area_declared_km2"].isna(), "no declared",
                       np.where(table["area_diff_pct"].abs() <= tolerance_pct, "ok", "differs"))
    table["verdict"] = verdict
    if "population_diff_pct" in table:
        table["population_verdict"] = np.where(table["population_diff_pct"].isna(), "no declared",
                                               np.where(table["population_diff_pct"].abs() <= pop_tolerance_pct, "ok", "differs"))
    copies = suspect_copies(declared)
    copied = table["code"].isin(copies.index)
    names = declared.get("name", pd.Series(dtype=object))
    for i in table.index[copied]:
        others = copies[table.at[i, "code"]].split(",")
        label = ", ".join(f"{c} {names.get(c, '')}".strip() for c in others)
        same = "area and population" if table.at[i, "population_declared"] > 0 else "area and name"
        table.at[i, "note"] = _join(table.at[i, "note"], f"declared {same} identical to {label}: suspected copy")
        if table.at[i, "verdict"] != "ok":
            table.at[i, "verdict"] = "suspect declared"
    ratio = table["area_declared_km2"] / table["area_km2"]
    hectares = ratio.between(*HECTARE_RATIO)
    for i in table.index[hectares]:
        table.at[i, "note"] = _join(table.at[i, "note"], f"declared area is {ratio[i]:.0f}x the computed one: hectares entered as km2?")
        table.at[i, "verdict"] = "suspect declared"
    far = ~hectares & ((ratio > IMPLAUSIBLE_RATIO) | (ratio < 1 / IMPLAUSIBLE_RATIO)) & ~copied
    for i in table.index[far]:
        table.at[i, "note"] = _join(table.at[i, "note"], f"declared and computed areas differ {max(ratio[i], 1 / ratio[i]):.1f}-fold: check both")
    return table


def _label(row) -> str:
    parent = getattr(row, "parent", "")
    return f"{row.code} {row.name}" + (f" ({parent})" if isinstance(parent, str) and parent else "")


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def summarize(table: pd.DataFrame, tolerance_pct: float, worst: int = 10) -> str:
    """Median and worst differences, counts per verdict, and the declared figures that look wrong.

    >>> print(summarize(compare(units, declared), 2.0).splitlines()[0])  # doctest: +SKIP
    Checked 34 units against declared figures (34 with a declared area).
    """
    have = table.dropna(subset=["area_diff_pct"])
    lines = [f"Checked {len(table):,} units against declared figures ({len(have):,} with a declared area).",
             "Verdicts: " + ", ".join(f"{v} {n:,}" for v, n in table["verdict"].value_counts().items())]
    if len(have):
        lines.append(f"Area: median absolute difference {have['area_diff_pct'].abs().median():.2f}%, "
                     f"tolerance {tolerance_pct:g}%.")
    if "population_diff_pct" in table and table["population_diff_pct"].notna().any():
        pop = table["population_diff_pct"].dropna()
        lines.append(f"Population: median difference {pop.median():+.1f}% (declared figures include temporary "
                     f"residents; census sums are typically ~30% lower).")
    outliers = have.reindex(have["area_diff_pct"].abs().sort_values(ascending=False).index).head(worst)
    if len(outliers):
        lines.append("Largest area differences:")
        for row in outliers.itertuples():
            note = f"  [{row.note}]" if row.note else ""
            lines.append(f"  {_label(row)}: computed {row.area_km2:,.2f} km2, declared "
                         f"{row.area_declared_km2:,.2f} km2 ({row.area_diff_pct:+.2f}%){note}")
    lines += _copy_lines(table) + _odd_lines(table, worst * 3)
    return "\n".join(lines)


def _printable(table: pd.DataFrame) -> str:
    """The per-unit table for the terminal: computed beside declared, differences, verdict."""
    columns = {"code": "code", "name": "name", "area_km2": "area km2", "area_declared_km2": "declared km2",
               "area_diff_pct": "diff %", "population": "population", "population_declared": "declared pop",
               "population_diff_pct": "pop diff %", "verdict": "verdict"}
    shown = table[[c for c in columns if c in table]].copy()
    for count in ("population", "population_declared"):  # people are whole numbers
        if count in shown:
            shown[count] = [f"{v:,.0f}" if pd.notna(v) else "-" for v in shown[count]]
    return shown.rename(columns=columns).to_string(index=False, float_format=lambda v: f"{v:,.2f}", na_rep="-")


def _copy_lines(table: pd.DataFrame) -> list[str]:
    """One line per group of units sharing identical declared figures (a known upstream copy error)."""
    copies = table[table["note"].str.contains("suspected copy")]
    if copies.empty:
        return []
    key = _copy_key(copies)
    groups = list(copies.groupby([key[column] for column in key.columns]))
    lines = [f"Warnings: {len(copies):,} units share identical declared figures with another unit: area and "
             f"population, or area and name where no population is declared (suspected copies, {len(groups):,} groups):"]
    for (area, pop, _), group in groups:
        members = "; ".join(f"{_label(row)} [computed {row.area_km2:,.2f} km2, {row.verdict}]" for row in group.itertuples())
        lines.append(f"  {area:,.2f} km2 / {f'{pop:,.0f}' if pop > 0 else 'no population declared'}: {members}")
    return lines


def _odd_lines(table: pd.DataFrame, limit: int) -> list[str]:
    """Declared areas that look like hectares or are far from the computed ones."""
    odd = table[table["note"].str.contains("hectares|-fold", regex=True) & ~table["note"].str.contains("suspected copy")]
    if odd.empty:
        return []
    lines = [f"Warnings: {len(odd):,} declared areas look wrong or far off (all in the CSV):"]
    for row in odd.head(limit).itertuples():
        lines.append(f"  {_label(row)}: declared {row.area_declared_km2:,.2f} km2, computed {row.area_km2:,.2f} km2: {row.note}")
    return lines


def run_check(result: str | Path, declared: str | Path | None = None, tolerance_pct: float = 2.0,
              output: str | Path | None = None) -> str:
    """Compare a merge result with declared figures; write CSV and Markdown; return the summary.

    ``declared`` is a CSV (see :func:`geoplan.builtin.read_declared`) or a
    built-in plan name; by default the result's own declared columns, or
    those of the built-in plan that produced it.

    >>> print(run_check("maps/demo/communes.gpkg"))  # doctest: +SKIP
    """
    from .builtin import BUILTIN, read_declared
    from .write import atomic_path

    units = read_result_layer(result, "units")
    about = read_result_layer(result, "about").set_index("key")["value"]
    plan = about.get("plan", "")
    if declared is not None:
        figures = read_declared(declared)
    elif plan in BUILTIN:
        figures = read_declared(plan)
    elif "area_declared_km2" in units:
        figures = units.set_index("code")[["area_declared_km2", "population_declared"]]
    else:
        raise InputError(f"{result}: no declared figures known for plan {plan!r}; give them with --declared CSV")
    schematic = about.get("schematic") == "yes"
    if schematic and "note" in figures:  # reasons known for real layers say nothing about schematic cells
        figures = figures.assign(note="")
    table = compare(units, figures, tolerance_pct)
    text = summarize(table, tolerance_pct)
    if len(table) <= PRINT_ALL_UP_TO:
        text = _printable(table) + "\n\n" + text
    if schematic:
        text = "SCHEMATIC DATA: computed areas are not measurements.\n" + text
    csv_path = Path(output) if output else Path(result).with_name(Path(result).stem + "-check.csv")
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, index=False)
    md_path = csv_path.with_suffix(".md")
    with atomic_path(md_path) as tmp:
        Path(tmp).write_text(f"# Check of {Path(result).name} (plan {plan})\n\n```\n{text}\n```\n\n"
                             + table.to_markdown(index=False, floatfmt=".2f") + "\n", encoding="utf-8")
    return text + f"\nWrote {csv_path} and {md_path}"
