"""Check a merge result against declared figures: read, align, summarise, write the reports.

Reads the result's units and the declared figures (a CSV, a built-in plan's,
or the result's own columns), aligns the declared codes with the units'
(lost leading zeros too), has :mod:`geoplan.check_compare` compare them,
adds the units of the plan without a polygon and the declared codes that
match no unit, and writes the table as CSV and Markdown beside a text
summary: verdicts, largest differences, suspected copies, odd declared areas.

>>> [str(p) for p in report_paths("communes.gpkg", None)]
['communes-check.csv', 'communes-check.md']
>>> print(run_check("merged.gpkg"))  # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..io.atomic import atomic_path, check_target
from ..io.result import read_result
from ..link.names import folded_key
from ..plan.catalogue import BUILTIN, read_plan
from ..plan.coverage import units_within_layer
from .compare import compare, copy_key, join_notes, known_reasons, side_by_side
from .declared import align_codes, figures_for_check

PRINT_ALL_UP_TO = 100  # units: up to this many, the whole table is printed too
LIST_UP_TO = 10  # units named in one summary line
ABSENT = {"no polygon": "new units of the plan have no polygon",
          "not in result": "declared codes match no unit of the result"}
SCHEMATIC_VERDICT = "schematic: not compared"


def report_paths(result: str | Path, output: str | Path | None, inputs=()) -> tuple[Path, Path]:
    """The CSV and Markdown reports of a check: ``output`` names the CSV (it must
    end in .csv), the Markdown goes beside it with .md; by default
    RESULT-check.csv. Neither may be an input or a folder.

    >>> [str(p) for p in report_paths("communes.gpkg", None)]
    ['communes-check.csv', 'communes-check.md']
    """
    result = Path(result)
    csv = Path(output) if output else result.with_name(result.stem + "-check.csv")
    md = csv.with_suffix(".md")
    for path in (csv, md):
        for given in (result, *inputs):
            if given is not None and path.exists() and Path(given).exists() and path.samefile(given):
                raise InputError(f"{path}: is an input ({given}); inputs are never overwritten, choose another -o")
    check_target(csv, ".csv", "-o names the CSV report; the Markdown report goes beside it, with .md")
    check_target(md)
    return csv, md


def absent_rows(codes: list[str], verdict: str, names: pd.Series, parents: pd.Series | None,
                declared: pd.DataFrame) -> pd.DataFrame:
    """Rows of the check table for units that have no polygon in the result.

    >>> absent_rows(["00340"], "no polygon", pd.Series({"00340": "Phường Yên Sở"}), None,
    ...             pd.DataFrame({"area_declared_km2": [1.0]}, index=["00340"]))[["code", "verdict"]].values.tolist()
    [['00340', 'no polygon']]
    """
    rows = pd.DataFrame({"code": codes, "name": [names.get(c, "") for c in codes]})
    if parents is not None:
        rows["parent"] = [parents.get(c, "") for c in codes]
    rows = rows.join(declared.drop(columns=["name"], errors="ignore"), on="code")
    rows["verdict"] = verdict
    return rows


def _same_name_elsewhere(rows: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """For declared codes that match no unit: the result's unit of the same name, if one (a code changed).

    >>> rows = pd.DataFrame({"code": ["23938"], "name": ["Xã Ia Mơ"], "note": [""]})
    >>> _same_name_elsewhere(rows, pd.DataFrame({"code": ["23737"], "name": ["Xã Ia Mơ"]}))["note"].tolist()
    ['the result has a unit of that name: 23737']
    """
    by_name = units.groupby(units["name"].map(folded_key))["code"].agg(", ".join)
    found = rows["name"].fillna("").map(folded_key).map(by_name).fillna("")
    notes = rows["note"] if "note" in rows else pd.Series("", index=rows.index)
    return rows.assign(note=[join_notes(note, f"the result has a unit of that name: {codes}" if codes else "")
                             for note, codes in zip(notes.fillna(""), found)])


def _plan_units(plan: str) -> pd.DataFrame | None:
    """New units of a built-in plan (code, name, parent), or None for any other plan."""
    if plan not in BUILTIN:
        return None
    links = read_plan(plan).links.drop_duplicates("new_code")
    return pd.DataFrame({"name": links["new_name"].to_numpy(), "parent": links["new_parent"].to_numpy()},
                        index=links["new_code"].to_numpy())


def _label(row) -> str:
    parent = getattr(row, "parent", "")
    return f"{row.code} {row.name}" + (f" ({parent})" if isinstance(parent, str) and parent else "")


def _some(labels: list[str], limit: int = LIST_UP_TO) -> str:
    return ", ".join(labels[:limit]) + (f" and {len(labels) - limit:,} more" if len(labels) > limit else "")


def _more(left: int) -> list[str]:
    """The line that ends a list cut short: how many more there are, and where.

    >>> _more(35), _more(0)
    (['  ... and 35 more (all in the CSV)'], [])
    """
    return [f"  ... and {left:,} more (all in the CSV)"] if left > 0 else []


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
    """Median and worst differences, counts per verdict, absent units and the declared figures that look wrong.

    >>> print(summarize(compare(units, declared), 2.0).splitlines()[0])  # doctest: +SKIP
    Checked 34 units against declared figures (34 with a declared area).
    """
    present = table[~table["verdict"].isin(list(ABSENT))]
    have = present.dropna(subset=["area_diff_pct"])
    lines = [f"Checked {len(present):,} units against declared figures ({len(have):,} with a declared area).",
             "Verdicts: " + ", ".join(f"{v} {n:,}" for v, n in table["verdict"].value_counts().items())]
    if len(have):
        lines.append(f"Area: median absolute difference {have['area_diff_pct'].abs().median():.2f}%, "
                     f"tolerance {tolerance_pct:g}%.")
    if "population_diff_pct" in table and table["population_diff_pct"].notna().any():
        pop = table["population_diff_pct"].dropna()
        lines.append(f"Population: median difference {pop.median():+.1f}% (declared figures include temporary "
                     f"residents; census sums are typically ~30% lower).")
    outliers = have.loc[fold_apart(have).sort_values(ascending=False, kind="stable").index].head(worst)
    if len(outliers):
        lines.append("Largest area differences (the most times apart first, either way):")
        for row in outliers.itertuples():
            note = f"  [{row.note}]" if row.note else ""
            lines.append(f"  {_label(row)}: computed {row.area_km2:,.2f} km2, declared "
                         f"{row.area_declared_km2:,.2f} km2 ({row.area_diff_km2:+,.2f} km2, {row.area_diff_pct:+.2f}%){note}")
        beyond = have.index[have["area_diff_pct"].abs() > tolerance_pct]
        lines += _more(len(beyond.difference(outliers.index)))
    return "\n".join(lines + absent_lines(table) + _copy_lines(table) + _odd_lines(table, worst * 3))


def absent_lines(table: pd.DataFrame) -> list[str]:
    """One warning line per kind of absent unit: plan units without polygon, declared codes matching no unit.

    >>> absent_lines(pd.DataFrame({"code": ["00340"], "name": ["Phường Yên Sở"], "verdict": ["no polygon"]}))
    ['Warnings: 1 new units of the plan have no polygon: 00340 Phường Yên Sở (all in the CSV)']
    """
    lines = []
    for verdict, what in ABSENT.items():
        rows = table[table["verdict"] == verdict]
        if len(rows):
            notes = rows["note"].fillna("") if "note" in rows else pd.Series("", index=rows.index)
            labels = [f"{code} {name}".strip() + (f" ({note})" if "the result has" in note else "")
                      for code, name, note in zip(rows["code"], rows["name"], notes)]
            lines.append(f"Warnings: {len(rows):,} {what}: {_some(labels)} (all in the CSV)")
    return lines


def _printable(table: pd.DataFrame) -> str:
    """The per-unit table for the terminal: computed beside declared, differences, verdict."""
    columns = {"code": "code", "name": "name", "area_km2": "area km2", "schematic_area_km2": "schematic km2",
               "area_declared_km2": "declared km2", "area_diff_km2": "diff km2", "area_diff_pct": "diff %",
               "population": "population", "population_declared": "declared pop",
               "population_diff_pct": "pop diff %", "verdict": "verdict"}
    shown = table[[c for c in columns if c in table]].copy()
    for count in ("population", "population_declared"):  # people are whole numbers
        if count in shown:
            shown[count] = [f"{v:,.0f}" if pd.notna(v) else "-" for v in shown[count]]
    return shown.rename(columns=columns).to_string(index=False, float_format=lambda v: f"{v:,.2f}", na_rep="-")


def _copy_lines(table: pd.DataFrame, limit: int = 30) -> list[str]:
    """One line per group of units sharing identical declared figures (a known upstream copy
    error), the groups with a suspected copy first, at most ``limit`` (all are in the reports)."""
    copies = table[table["note"].str.contains("identical to", regex=False)]
    if copies.empty:
        return []
    key = copy_key(copies)
    groups = list(copies.groupby([key[column] for column in key.columns]))
    groups.sort(key=lambda item: not item[1]["note"].str.contains("suspected copy", regex=False).any())
    lines = [f"Warnings: {len(copies):,} units share identical declared figures with another unit: area and "
             f"population, or area and name where no population is declared ({len(groups):,} groups); where the "
             f"computed area of some members agrees and of others not, the others are the suspected copies:"]
    for (area, pop, _), group in groups[:limit]:
        members = "; ".join(f"{_label(row)} [computed {row.area_km2:,.2f} km2, {row.verdict}]" for row in group.itertuples())
        lines.append(f"  {area:,.2f} km2 / {f'{pop:,.0f}' if pop > 0 else 'no population declared'}: {members}")
    return lines + _more(len(groups) - limit)


def _odd_lines(table: pd.DataFrame, limit: int) -> list[str]:
    """Declared areas that look like hectares (the surest, listed first) or are
    far from the computed ones (the farthest first), at most ``limit``.

    >>> t = pd.DataFrame({"code": ["a", "b", "c"], "name": ["A", "B", "C"], "area_km2": [10.0, 10.0, 10.0],
    ...                   "area_declared_km2": [50.0, 1000.0, 40.0], "note": ["5.0-fold", "hectares?", "4.0-fold"]})
    >>> print("\\n".join(_odd_lines(t, 2)))
    Warnings: 3 declared areas look wrong or far off (all in the CSV):
      b B: declared 1,000.00 km2, computed 10.00 km2: hectares?
      a A: declared 50.00 km2, computed 10.00 km2: 5.0-fold
      ... and 1 more (all in the CSV)
    """
    odd = table[table["note"].str.contains("hectares|-fold", regex=True) & ~table["note"].str.contains("identical to")]
    if odd.empty:
        return []
    hectares = odd["note"].str.contains("hectares", regex=False)
    odd = odd.iloc[np.lexsort((-fold_apart(odd).to_numpy(), ~hectares.to_numpy()))]
    lines = [f"Warnings: {len(odd):,} declared areas look wrong or far off (all in the CSV):"]
    for row in odd.head(limit).itertuples():
        lines.append(f"  {_label(row)}: declared {row.area_declared_km2:,.2f} km2, computed {row.area_km2:,.2f} km2: {row.note}")
    return lines + _more(len(odd) - limit)


def schematic_listing(units: pd.DataFrame, declared: pd.DataFrame) -> pd.DataFrame:
    """The check table of schematic data: declared figures beside the schematic
    cells' areas, not compared (those areas are not measurements).

    >>> schematic_listing(pd.DataFrame({"code": ["a"], "name": ["A"], "area_km2": [50.2]}),
    ...                   pd.DataFrame({"area_declared_km2": [49.36]}, index=["a"]))["verdict"].tolist()
    ['schematic: not compared']
    """
    table = side_by_side(units, declared.drop(columns=["note"], errors="ignore"))
    return table.rename(columns={"area_km2": "schematic_area_km2"}).assign(verdict=SCHEMATIC_VERDICT)


def _declared_lines(source: str, n_declared: int, n_units: int, n_matched: int, by_value: list[str]) -> list[str]:
    """How the declared codes matched the result's units."""
    line = f"Declared figures ({source}): {n_declared:,} codes; figures for {n_matched:,} of {n_units:,} units"
    if by_value:
        line += f", {len(by_value):,} matched without their leading zeros ({_some(by_value, 5)})"
    return [line + "."]


def _require_tolerance(tolerance_pct) -> None:
    if not (isinstance(tolerance_pct, (int, float)) and math.isfinite(tolerance_pct) and tolerance_pct >= 0):
        raise InputError(f"the tolerance (--tolerance) is a percentage of 0 or more; got {tolerance_pct}")


def run_check(result: str | Path, declared: str | Path | None = None, tolerance_pct: float = 2.0,
              output: str | Path | None = None) -> str:
    """Compare a merge result with declared figures; write CSV and Markdown; return the summary.

    ``declared`` is a CSV (see :func:`geoplan.check.declared.read_declared`) or a built-in plan
    name; by default the result's own declared columns, or those of the
    built-in plan that produced it. ``output`` names the CSV report (see
    :func:`report_paths`). Nothing is written when a declared file matches
    no unit. A schematic result (demo) gets a listing, not verdicts.

    >>> print(run_check("maps/demo/communes.gpkg"))  # doctest: +SKIP
    """
    _require_tolerance(tolerance_pct)
    units, lineage, _, _, about = read_result(result, geometry=False, warn_missing=("about",),
                                              wanted=("lineage", "about"))
    csv_path, md_path = report_paths(result, output, inputs=(declared,))
    plan, schematic = about.get("plan", ""), about.get("schematic") == "yes"
    figures, source = figures_for_check(result, units, plan, declared)
    aligned, by_value, unmatched = align_codes(figures, units["code"])
    if aligned.empty:
        raise InputError(f"{source}: none of its {len(figures):,} declared codes ({_some(list(figures.index), 3)}) "
                         f"matches a unit of {result} ({_some(units['code'].tolist(), 3)}): figures of another level or plan?")
    lines = _declared_lines(source, len(figures), len(units), len(aligned), by_value)
    lines += [f"Warnings: {warning}" for warning in figures.attrs.get("warnings", [])]
    if schematic:
        table = schematic_listing(units, aligned)
    else:
        reasons = known_reasons(aligned, units)
        given = aligned["note"].fillna("") if "note" in aligned else pd.Series("", index=aligned.index)
        if "flags" in aligned:  # the declared table's own warnings on a row
            flags = aligned["flags"].fillna("")
            given = pd.Series([join_notes(note, f"flagged in the declared table: {flag}" if flag else "")
                               for note, flag in zip(given, flags)], index=aligned.index)
        table = compare(units, aligned.assign(note=[join_notes(note, reasons.get(code, "")) for code, note in given.items()]),
                        tolerance_pct)
    table = pd.concat([table, *_absent(plan, units, figures.loc[unmatched], lineage)], ignore_index=True)
    table["note"] = table["note"].fillna("")
    if schematic:
        lines = [f"SCHEMATIC DATA: {len(units):,} units whose areas are those of schematic cells, not measurements; "
                 f"declared figures are listed beside them, not compared."] + lines + absent_lines(table)
    else:
        lines.append(summarize(table, tolerance_pct))
    text = "\n".join(lines)
    if len(table) <= PRINT_ALL_UP_TO:
        text = _printable(table) + "\n\n" + text
    title = f"# Check of {Path(result).name} (plan {plan})" + (": SCHEMATIC data, areas not measured" if schematic else "")
    _write_reports(table, f"{title}\n\n```\n{text}\n```\n\n", csv_path, md_path)
    return text + f"\nWrote {csv_path} and {md_path}"


def _write_reports(table: pd.DataFrame, header: str, csv_path: Path, md_path: Path) -> None:
    """The check table as CSV, and as Markdown after ``header``; each written atomically."""
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, index=False)
    shown = table.copy()
    for column in shown.columns[shown.dtypes.map(lambda t: t.kind == "f")]:  # counts whole, others 2 decimals, gaps blank
        digits = 0 if column.startswith("population") and not column.endswith("pct") else 2
        shown[column] = shown[column].map(lambda v, d=digits: "" if pd.isna(v) else f"{v:,.{d}f}")
    with atomic_path(md_path) as tmp:
        Path(tmp).write_text(header + shown.fillna("").to_markdown(index=False) + "\n", encoding="utf-8")


def _absent(plan: str, units: pd.DataFrame, unmatched: pd.DataFrame, lineage: pd.DataFrame | None) -> list[pd.DataFrame]:
    """Rows for the new units of a built-in plan without polygon (those within the
    provinces the layer covers, by the result's lineage), with the declared figures
    of ``unmatched`` that belong to them, and for the other unmatched declared codes
    (those of units outside the layer are left out)."""
    plan_units = _plan_units(plan)
    frames = []
    if plan_units is not None:
        expected = set(plan_units.index)
        if lineage is not None and {"old_parent", "new_code", "linked_by"} <= set(lineage.columns):
            expected &= units_within_layer(lineage, lineage["linked_by"] != "none")
            _, _, inside = align_codes(unmatched, sorted(set(plan_units.index) - expected))
            unmatched = unmatched.loc[inside]
        no_polygon = sorted(expected - set(units["code"]))
        if no_polygon:
            theirs, _, left = align_codes(unmatched, no_polygon)
            frames.append(absent_rows(no_polygon, "no polygon", plan_units["name"], plan_units["parent"], theirs))
            unmatched = unmatched.loc[left]
    if len(unmatched):
        names = unmatched["name"] if "name" in unmatched else pd.Series(dtype=object)
        frames.append(_same_name_elsewhere(absent_rows(list(unmatched.index), "not in result", names, None, unmatched), units))
    return frames
