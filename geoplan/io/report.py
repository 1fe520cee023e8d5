"""The workbook of a merge (``geoplan merge --report FILE.xlsx``): the summary, the new units,
the lineage, the link report and the conservation of totals, one sheet each, with headers and
coded values in the language in use (see :mod:`geoplan.io.labels`) and number formats.

>>> write_report(result, "communes.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..i18n import Message, render
from .atomic import check_target
from .labels import labelled
from .spreadsheets import write_xlsx

CODED = ("link", "linked_by", "basis")  # columns of coded values, shown translated


def conservation_table(report) -> pd.DataFrame:
    """The area accounting and each count's totals of a merge report, one row per term:
    ``item``, ``area_km2`` or ``count``, ``note``.

    >>> conservation_table(result.report)["item"].iloc[0]  # doctest: +SKIP
    'Old polygons'
    """
    area = [("report.old_polygons", report.area_old_km2), ("report.counted_twice", -report.area_overlaps_km2),
            ("report.between_units", report.overlaps_repaired_km2), ("report.gaps_filled", report.gaps_repaired_km2),
            ("report.new_units", report.area_units_km2)]
    rows = [{"item": render(item), "area_km2": value, "note": ""} for item, value in area]
    rows[-1]["note"] = render("report.difference", check=report.area_check)
    for count in report.counts.values():
        name = render("merge.population") if count.column == "population" else count.column
        rows += [{"item": render(item, name=name), "count": value, "note": ""} for item, value in
                 (("report.count_total", count.total), ("report.count_unplaced", count.unplaced),
                  ("report.count_missing", count.missing))]
    table = pd.DataFrame(rows, columns=["item", "area_km2", "count", "note"])
    return table.astype({"count": "Float64"})


def write_report(result, target: str | Path) -> Path:
    """Write the workbook of a merge result, atomically (see the module's description).

    >>> write_report(geoplan.merge(old, plan), "merged.xlsx")  # doctest: +SKIP
    """
    check_target(target, ".xlsx", Message("result.what_xlsx"))
    units = pd.DataFrame(result.units.drop(columns="geometry"))
    lines = result.link_report().splitlines()
    summary = pd.DataFrame({"item": [render("report.summary"), render("report.plan"), render("report.approximate_units")],
                            "value": [result.summary(), result.report.plan, str(int(units["approximate"].sum()))]})
    return write_xlsx({
        render("report.sheet_summary"): labelled(summary),
        render("report.sheet_units"): labelled(units),
        render("report.sheet_lineage"): labelled(result.lineage, CODED),
        render("report.sheet_links"): pd.DataFrame({render("report.sheet_links"): lines}),
        render("report.sheet_conservation"): labelled(conservation_table(result.report)),
    }, target)
