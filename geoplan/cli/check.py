"""``geoplan check``: computed figures against declared ones.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from .common import warnings_on_one_line


def add_check(sub) -> None:
    p = sub.add_parser("check", help="compare computed area and population with the declared figures",
                       description="Compare each unit of a merge result with its declared area and population: "
                                   "differences, a verdict against a tolerance, a summary, and warnings for declared "
                                   "figures that look wrong (copied between units, hectares entered as km2). Writes a "
                                   "CSV and a Markdown report.")
    p.add_argument("result", help="GeoPackage written by geoplan merge")
    p.add_argument("--declared", metavar="CSV", help="declared figures (code, area_km2, population); default: those of the built-in plan")
    p.add_argument("--tolerance", type=float, default=2.0, help="area difference in %% accepted as OK, 0 or more (default 2)")
    p.add_argument("-o", "--output", help="CSV report to write, ending in .csv; the Markdown report goes beside it "
                                          "with .md (default: RESULT-check.csv and RESULT-check.md)")
    p.set_defaults(run=run_check)


def run_check(args) -> int:
    from ..check.report import run_check

    with warnings_on_one_line(args.command):
        print(run_check(args.result, declared=args.declared, tolerance_pct=args.tolerance, output=args.output))
    return 0
