"""``geoplan map``: the self-contained HTML review map of a merge result.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..i18n import render
from .common import warnings_on_one_line

MAP_FLAGS = {"basemap": "--basemap", "color_by": "--color-by (color_by)"}


def map_options(args, **more):
    """The MapOptions of the command line (shared by ``geoplan map`` and ``geoplan atlas``); a
    wrong value is named by its flag. The language is ``--lang``'s, set by the CLI's main.

    >>> import argparse
    >>> map_options(argparse.Namespace(basemap="none", color_by="density")).color_by
    'density'
    """
    from ..maps.options import MapOptions

    try:
        return MapOptions(**{k: getattr(args, k) for k in MAP_FLAGS if hasattr(args, k)}, **more)
    except InputError as error:
        values = dict(error.message.values)
        values["option"] = MAP_FLAGS.get(values["option"].name, values["option"])
        raise InputError(error.message.id, **values) from None


def add_map(sub) -> None:
    p = sub.add_parser("map", help=render("maps.cli_help"), description=render("maps.cli_description"))
    p.add_argument("result", help=render("maps.cli_result"))
    p.add_argument("--old", help=render("maps.cli_old"))
    p.add_argument("--old-layer", metavar="LAYER", help=render("maps.cli_old_layer"))
    p.add_argument("--old-encoding", help=render("maps.cli_old_encoding"))
    p.add_argument("--old-code", metavar="FIELD", help=render("maps.cli_old_code"))
    p.add_argument("--old-name", metavar="FIELD", help=render("maps.cli_old_name"))
    p.add_argument("--old-parent", metavar="FIELD", help=render("maps.cli_old_parent"))
    p.add_argument("-o", "--output", help=render("maps.cli_output"))
    p.add_argument("--basemap", default="none", help=render("maps.cli_basemap"))
    p.add_argument("--color-by", default="population", help=render("maps.cli_color_by"))
    p.add_argument("--quiet", action="store_true", help=render("maps.cli_quiet"))
    p.set_defaults(run=run_map)


def run_map(args) -> int:
    from ..maps.options import OldFields
    from ..maps.review import write_review_map
    from ..progress import Progress

    options = map_options(args)
    output = args.output
    if output is None:  # the default folder is the only one made
        output = Path("maps") / (Path(args.result).stem + ".html")
        if not output.parent.exists():
            output.parent.mkdir()
    fields = OldFields(args.old_layer, args.old_encoding, args.old_code, args.old_name, args.old_parent)
    with warnings_on_one_line(args.command):
        path = write_review_map(args.result, output, old=args.old, options=options, old_fields=fields,
                                progress=Progress(args.quiet))
    print(render("maps.wrote", path=path, mb=path.stat().st_size / 1e6))
    return 0
