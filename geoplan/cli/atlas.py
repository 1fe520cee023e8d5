"""``geoplan atlas``: the printed atlas (PDF) of a merge result.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from pathlib import Path

from ..i18n import render
from .common import warnings_on_one_line
from .review_map import map_options


def add_atlas(sub) -> None:
    p = sub.add_parser("atlas", help=render("atlas.cli_help"), description=render("atlas.cli_description"))
    p.add_argument("result", help=render("atlas.cli_result"))
    p.add_argument("-o", "--output", help=render("atlas.cli_output"))
    p.add_argument("--province", metavar="NAME", help=render("atlas.cli_province"))
    p.add_argument("--communes", action="store_true", help=render("atlas.cli_communes"))
    p.add_argument("--old", action="store_true", help=render("atlas.cli_old"))
    p.add_argument("--png", metavar="DIR", help=render("atlas.cli_png"))
    p.add_argument("--color-by", default="population", help=render("atlas.cli_color_by"))
    p.add_argument("--quiet", action="store_true", help=render("atlas.cli_quiet"))
    p.set_defaults(run=run_atlas)


def run_atlas(args) -> int:
    from ..maps.atlas import AtlasOptions, write_atlas
    from ..progress import Progress

    options = AtlasOptions(province=args.province, communes=args.communes, old=args.old,
                           png=Path(args.png) if args.png else None, map=map_options(args))
    output = args.output
    if output is None:  # the default folder is the only one made
        output = Path("maps") / (Path(args.result).stem + "-atlas.pdf")
        if not output.parent.exists():
            output.parent.mkdir()
    with warnings_on_one_line(args.command):
        path, pages = write_atlas(args.result, output, options, progress=Progress(args.quiet))
    print(render("atlas.wrote", path=path, pages=pages, mb=path.stat().st_size / 1e6))
    return 0
