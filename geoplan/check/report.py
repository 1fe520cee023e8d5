"""Check a merge result against declared figures: read, align, summarise, write the reports.

Reads the result's units and the declared figures (a CSV, a built-in plan's,
or the result's own columns), refuses figures of another level than the units,
aligns the declared codes with the units' (lost leading zeros too), has
:mod:`geoplan.check.compare` compare them, adds the units of the plan without a
polygon and the declared codes that match no unit (:mod:`geoplan.check.absent`),
and writes the table as CSV (with a byte-order mark, verdicts as stable English
codes), Markdown and XLSX (verdicts and headers in the language in use) beside a
text summary (:mod:`geoplan.check.summary`).

>>> [p.name for p in report_paths("communes.gpkg", None)]
['communes-check.csv', 'communes-check.md', 'communes-check.xlsx']
>>> print(run_check("merged.gpkg"))  # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..i18n import Message, Option, render
from ..io.atomic import atomic_path, check_target
from ..io.labels import labelled
from ..io.result import read_result
from ..io.spreadsheets import write_csv, write_xlsx
from .absent import absent
from .compare import compare, join_notes, known_reasons, side_by_side
from .declared import align_codes, figures_for_check, refuse_other_level
from .summary import CODED, absent_lines, declared_lines, display, printable, some, summarize

PRINT_ALL_UP_TO = 100  # units: up to this many, the whole table is printed too
SCHEMATIC_VERDICT = "schematic: not compared"


def report_paths(result: str | Path, output: str | Path | None, inputs=()) -> tuple[Path, Path, Path]:
    """The CSV, Markdown and XLSX reports of a check: ``output`` names the CSV (it must
    end in .csv), the others go beside it with .md and .xlsx; by default
    RESULT-check.csv. None may be an input or a folder.

    >>> [p.name for p in report_paths("communes.gpkg", "out/report.csv")]  # doctest: +SKIP
    ['report.csv', 'report.md', 'report.xlsx']
    """
    result = Path(result)
    csv = Path(output) if output else result.with_name(result.stem + "-check.csv")
    paths = (csv, csv.with_suffix(".md"), csv.with_suffix(".xlsx"))
    for path in paths:
        for given in (result, *inputs):
            if given is not None and path.exists() and Path(given).exists() and path.samefile(given):
                raise InputError("check.output_is_input", path=path, given=given)
    check_target(csv, ".csv", Message("check.output_csv"))
    for path in paths[1:]:
        check_target(path)
    return paths


def schematic_listing(units: pd.DataFrame, declared: pd.DataFrame) -> pd.DataFrame:
    """The check table of schematic data: declared figures beside the schematic
    cells' areas, not compared (those areas are not measurements).

    >>> schematic_listing(pd.DataFrame({"code": ["a"], "name": ["A"], "area_km2": [50.2]}),
    ...                   pd.DataFrame({"area_declared_km2": [49.36]}, index=["a"]))["verdict"].tolist()
    ['schematic: not compared']
    """
    table = side_by_side(units, declared.drop(columns=["note"], errors="ignore"))
    return table.rename(columns={"area_km2": "schematic_area_km2"}).assign(verdict=SCHEMATIC_VERDICT)


def _require_tolerance(tolerance_pct) -> None:
    if not (isinstance(tolerance_pct, (int, float)) and math.isfinite(tolerance_pct) and tolerance_pct >= 0):
        raise InputError("check.tolerance", option=Option("tolerance_pct"), value=tolerance_pct)


def _compared(units: pd.DataFrame, aligned: pd.DataFrame, tolerance_pct: float) -> pd.DataFrame:
    """The comparison, with the declared table's own flags and the known reasons in the notes."""
    reasons = known_reasons(aligned, units)
    given = aligned["note"].fillna("") if "note" in aligned else pd.Series("", index=aligned.index)
    if "flags" in aligned:  # the declared table's own warnings on a row
        flags = aligned["flags"].fillna("")
        given = pd.Series([join_notes(note, render("check.note_flagged") + " " + flag if flag else "")
                           for note, flag in zip(given, flags)], index=aligned.index)
    notes = [join_notes(note, reasons.get(code, "")) for code, note in given.items()]
    return compare(units, aligned.drop(columns=["level"], errors="ignore").assign(note=notes), tolerance_pct)


def run_check(result: str | Path, declared: str | Path | None = None, tolerance_pct: float = 2.0,
              output: str | Path | None = None) -> str:
    """Compare a merge result with declared figures; write CSV, Markdown and XLSX; return the summary.

    ``declared`` is a CSV (see :func:`geoplan.check.declared.read_declared`) or a built-in plan
    name; by default the result's own declared columns, or those of the
    built-in plan that produced it. ``output`` names the CSV report (see
    :func:`report_paths`). Nothing is written when a declared file matches
    no unit or is of another level than the result. A schematic result (demo)
    gets a listing, not verdicts. Texts are in the language in use.

    >>> print(run_check("maps/demo/communes.gpkg"))  # doctest: +SKIP
    """
    _require_tolerance(tolerance_pct)
    units, lineage, _, _, about = read_result(result, geometry=False, warn_missing=("about",),
                                              wanted=("lineage", "about"))
    paths = report_paths(result, output, inputs=(declared,))
    plan, schematic = about.get("plan", ""), about.get("schematic") == "yes"
    figures, source = figures_for_check(result, units, plan, declared)
    refuse_other_level(figures, units, source, result)
    aligned, by_value, unmatched = align_codes(figures, units["code"])
    if aligned.empty:
        raise InputError("check.no_code_matches", path=source, n=len(figures), codes=some(list(figures.index), 3),
                         result=result, units=some(units["code"].tolist(), 3))
    lines = declared_lines(source, len(figures), len(units), len(aligned), by_value)
    lines += [render("check.warning", text=warning) for warning in figures.attrs.get("warnings", [])]
    table = schematic_listing(units, aligned) if schematic else _compared(units, aligned, tolerance_pct)
    table = pd.concat([table, *absent(plan, units, figures.loc[unmatched], lineage)], ignore_index=True)
    table["note"] = table["note"].fillna("")
    if schematic:
        lines = [render("check.schematic", n=len(units))] + lines + absent_lines(table)
    else:
        lines.append(summarize(table, tolerance_pct))
    text = "\n".join(lines)
    title = render("check.title_schematic" if schematic else "check.title", result=Path(result).name, plan=plan)
    _write_reports(table, title, text, paths)
    if len(table) <= PRINT_ALL_UP_TO:
        text = printable(table) + "\n\n" + text
    return text + "\n" + render("check.wrote", csv=paths[0], md=paths[1], xlsx=paths[2])


def _write_reports(table: pd.DataFrame, title: str, text: str, paths: tuple[Path, Path, Path]) -> None:
    """The check table as CSV (stable codes), as Markdown after the title and text, and as a workbook
    (the table and the summary, one sheet each); each written atomically."""
    csv_path, md_path, xlsx_path = paths
    write_csv(table, csv_path)
    shown = labelled(display(table), CODED).fillna("")
    shown = shown.apply(lambda column: column.astype(str).str.replace("|", "\\|", regex=False))  # a cell's | ends no column
    with atomic_path(md_path) as tmp:
        Path(tmp).write_text(f"# {title}\n\n```\n{text}\n```\n\n" + shown.to_markdown(index=False, disable_numparse=True) + "\n",
                             encoding="utf-8")
    summary = pd.DataFrame({render("check.sheet_summary"): [title, *text.splitlines()]})
    write_xlsx({render("check.sheet_table"): labelled(table, CODED), render("check.sheet_summary"): summary}, xlsx_path)
