"""``geoplan assign``: put any layer (points, lines, polygons) or table of old addresses into units.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once). Every text it prints is a message of the catalogue (``assign.po``).
"""

from __future__ import annotations

from ..errors import GeoplanError
from ..i18n import Option, option_names, render

FLAGS = {  # how the options of geoplan.assign are named on this command line
    "rule": "--rule", "snap_m": "--snap", "summarise_field": "--summarise", "unit_code": "--unit-code",
    "unit_name": "--unit-name", "unit_parent": "--unit-parent", "units_layer": "--units-layer", "plan": "--plan",
    "code_field": "--old-code", "name_field": "--old-name", "district_field": "--old-district",
    "parent_field": "--old-parent", "hint_field": "--hint", "layer": "--layer", "lon_field": "--lon",
    "lat_field": "--lat", "engine": "--engine", "workers": "--workers", "scheduler": "--scheduler",
    "chunk_rows": "--chunk-rows",
}


def add_assign(sub) -> None:
    """Add ``geoplan assign`` to the command line's sub-commands.

    >>> from geoplan.cli import parser
    >>> parser().parse_args(["assign", "p.parquet", "u.gpkg", "-o", "o.parquet", "--snap", "50"]).snap
    50.0
    """
    h = lambda message_id: render(f"assign.help_{message_id}")  # noqa: E731
    p = sub.add_parser("assign", help=h("command"), description=h("description"))
    p.add_argument("features", help=h("features"))
    p.add_argument("units", help=h("units"))
    p.add_argument("-o", "--output", required=True, help=h("output"))
    p.add_argument("--rule", choices=("cut", "centroid", "largest"), default="cut", help=h("rule"))
    p.add_argument("--snap", metavar="METRES", type=float, help=h("snap"))
    p.add_argument("--summarise", "--summarize", metavar="FIELD", nargs="?", const="", help=h("summarise"))
    for flag, key in (("--unit-code", "unit_code"), ("--unit-name", "unit_name"), ("--unit-parent", "unit_parent")):
        p.add_argument(flag, metavar="FIELD", help=h(key))
    p.add_argument("--units-layer", metavar="LAYER", help=h("units_layer"))
    p.add_argument("--plan", help=h("plan"))
    for flag, key in (("--old-code", "old_code"), ("--old-name", "old_name"), ("--old-district", "old_district"),
                      ("--old-parent", "old_parent"), ("--hint", "hint")):
        p.add_argument(flag, metavar="FIELD", help=h(key))
    p.add_argument("--layer", help=h("layer"))
    p.add_argument("--lon", metavar="FIELD", help=h("lon"))
    p.add_argument("--lat", metavar="FIELD", help=h("lat"))
    p.add_argument("--engine", choices=("local", "dask"), default="local", help=h("engine"))
    p.add_argument("--workers", metavar="N", type=int, help=h("workers"))
    p.add_argument("--scheduler", metavar="ADDRESS", help=h("scheduler"))
    p.add_argument("--spatial-shuffle", action="store_true", help=h("spatial_shuffle"))
    p.add_argument("--chunk-rows", metavar="N", type=int, help=h("chunk_rows"))
    p.add_argument("--quiet", action="store_true", help=h("quiet"))
    p.set_defaults(run=run_assign)


def run_assign(args) -> int:
    """Run ``geoplan assign``: the details (unless ``--quiet``), the summary line, where it wrote.

    >>> run_assign(parser().parse_args(["assign", "schools.csv", "communes.gpkg", "-o", "out.gpkg"]))  # doctest: +SKIP
    0
    """
    from ..assigning.job import assign_file
    from ..assigning.options import AssignOptions
    from ..progress import Progress
    from .common import warnings_on_one_line

    with option_names(FLAGS), warnings_on_one_line(args.command):
        try:
            options = AssignOptions(
                rule=args.rule, snap_m=args.snap, summarise=args.summarise is not None,
                summarise_field=args.summarise or None, unit_code=args.unit_code, unit_name=args.unit_name,
                unit_parent=args.unit_parent, units_layer=args.units_layer, plan=args.plan, code_field=args.old_code,
                name_field=args.old_name, district_field=args.old_district, parent_field=args.old_parent,
                hint_field=args.hint, layer=args.layer, lon_field=args.lon, lat_field=args.lat, engine=args.engine,
                workers=args.workers, scheduler=args.scheduler, spatial_shuffle=args.spatial_shuffle,
                chunk_rows=args.chunk_rows, label=args.features)
            report = assign_file(args.features, args.units, args.output, options, progress=Progress(args.quiet))
        except GeoplanError as error:  # name options by this command's flags, also once printed outside
            values = error.message.values
            values.update({key: str(value) for key, value in values.items() if isinstance(value, Option)})
            raise
        if not args.quiet:
            for line in report.details():
                print(line)
        print(report.summary())
        print(render("assign.wrote", path=args.output))
    return 0
