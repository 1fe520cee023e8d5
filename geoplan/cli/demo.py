"""``geoplan demo``: the national Vietnam demo.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations



def add_demo(sub) -> None:
    p = sub.add_parser("demo", help="run the national Vietnam demo (schematic data unless --data)")
    p.add_argument("--data", help="folder with real layers (old_communes_c2013.gpkg, old_provinces_c2013.gpkg)")
    p.add_argument("-o", "--output", default="maps/demo", help="folder for the outputs (default maps/demo)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(run=run_demo)


def run_demo(args) -> int:
    from ..vn.demo import run_demo

    run_demo(args.output, data=args.data, quiet=args.quiet)
    return 0
