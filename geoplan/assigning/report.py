"""The report of an assignment: its counts as named fields, and their lines for people (in the
language in use, see :mod:`geoplan.i18n`).

>>> report = AssignReport("pts.parquet", "units.gpkg", 2, "points", "cut", tally=Tally(rows=3, features=3,
...                       placed={"inside": 2, "outside": 1}, examples=[(2, 109.5, 8.25)]))
>>> from geoplan.i18n import using
>>> with using("en"):
...     print(report.text())
Assigned 3 points to 2 units: 2 inside, 0 snapped to a unit, 1 in no unit, 0 without geometry
In no unit: feature 2 at 109.50000, 8.25000
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..i18n import Message, render
from .summary import Tally


@dataclass
class AssignReport:
    """What an assignment did: what was read (``source``, ``kind``), the units (``units``,
    ``n_units``, ``units_repaired``), the ``rule``, the counts (``tally``, or ``addresses`` for a
    table of old addresses), input columns renamed, where the output went, and the engine."""

    source: str
    units: str
    n_units: int
    kind: str
    rule: str
    target: str = ""
    tally: Tally = field(default_factory=Tally)
    addresses: object = None
    units_repaired: int = 0
    renamed: dict = field(default_factory=dict)
    engine: str = "local"
    notes: list = field(default_factory=list)

    def summary(self) -> str:
        """The closing line."""
        if self.addresses is not None:
            return self.addresses.summary()
        tally, kind = self.tally, Message(f"assign.kind_{self.kind}")
        placed = tally.placed
        if self.kind == "points":
            return render("assign.summary_points", n=tally.features, units=self.n_units, inside=placed.get("inside", 0),
                          snapped=placed.get("snapped", 0), outside=placed.get("outside", 0),
                          missing=placed.get("no geometry", 0))
        if self.rule != "cut":
            return render("assign.summary_rule", n=tally.features, kind=kind, units=self.n_units,
                          rule=Message(f"assign.rule_{self.rule}"), inside=placed.get("inside", 0),
                          outside=placed.get("outside", 0), missing=placed.get("no geometry", 0))
        total = sum(tally.measure.values())
        return render("assign.summary_cut", n=tally.features, kind=kind, units=self.n_units,
                      pieces=tally.rows - placed.get("no geometry", 0), cut=tally.cut, outside=placed.get("outside", 0),
                      share=tally.measure.get("outside", 0.0) / total if total else 0.0,
                      measure=Message("assign.of_area" if self.kind == "polygons" else "assign.of_length"),
                      missing=placed.get("no geometry", 0))

    def details(self) -> list[str]:
        """The lines a planner reviews: features in no unit, repairs, renamed columns, notes."""
        if self.addresses is not None:
            return self.addresses.details()
        lines = [render("assign.outside_example", feature=f, lon=x, lat=y) for f, x, y in self.tally.examples]
        more = self.tally.placed.get("outside", 0) - len(self.tally.examples)
        if self.tally.examples and more > 0:
            lines.append(render("assign.and_more", n=more))
        if self.tally.repaired:
            lines.append(render("assign.repaired", n=self.tally.repaired))
        if self.units_repaired:
            lines.append(render("assign.units_repaired", path=self.units, n=self.units_repaired))
        if self.renamed:
            lines.append(render("assign.renamed", names=", ".join(f"{a} -> {b}" for a, b in self.renamed.items())))
        return lines + [str(note) for note in self.notes]

    def text(self) -> str:
        """The summary and the details, one per line."""
        return "\n".join([self.summary(), *self.details()])

    def about(self) -> list[tuple[str, str]]:
        """(key, value) rows saying where a result came from."""
        import datetime as dt

        from .. import __version__

        return [("source", self.source), ("units", self.units), ("rule", self.rule), ("engine", self.engine),
                ("geoplan_version", __version__),
                ("created", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
                ("summary", self.summary())]



@dataclass
class AssignResult:
    """The result of :func:`geoplan.assign`: the ``features`` assigned (a GeoDataFrame in lon/lat,
    or a DataFrame for old addresses), the ``summary`` per unit (None unless asked for), the
    ``candidates`` of old addresses in divided units, and the ``report``."""

    features: pd.DataFrame
    summary: pd.DataFrame | None
    report: AssignReport
    candidates: pd.DataFrame | None = None
