"""``geoplan map``: the self-contained HTML review map of a merge result.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from pathlib import Path

from .common import warnings_on_one_line


def add_map(sub) -> None:
    p = sub.add_parser("map", help="write a self-contained HTML review map of a merge result")
    p.add_argument("result", help="GeoPackage written by geoplan merge")
    p.add_argument("--old", help="old units: any vector file, shown as a switchable layer")
    p.add_argument("--old-layer", metavar="LAYER", help="layer of --old to read when it has several")
    p.add_argument("--old-encoding", help="attribute encoding of --old when its file does not say: cp1258, tcvn3 or vni")
    p.add_argument("--old-code", metavar="FIELD", help="field of --old with the old units' codes (default: the merge's, or detected)")
    p.add_argument("--old-name", metavar="FIELD", help="field of --old with the old units' names (default: the merge's, or detected)")
    p.add_argument("--old-parent", metavar="FIELD", help="field of --old with the parent (province) names (default: the merge's, or detected)")
    p.add_argument("-o", "--output", help="HTML file to write, in a folder that exists (default maps/<result name>.html)")
    p.add_argument("--basemap", default="none", help="none (default, works offline) or osm")
    p.add_argument("--color-by", default="population", help="population, density, area_diff (computed vs declared area) or members (old units merged)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(run=run_map)


def run_map(args) -> int:
    from ..maps.review import write_review_map
    from ..progress import Progress

    output = args.output
    if output is None:  # the default folder is the only one made
        output = Path("maps") / (Path(args.result).stem + ".html")
        if not output.parent.exists():
            output.parent.mkdir()
    with warnings_on_one_line(args.command):
        path = write_review_map(args.result, output, old=args.old, basemap=args.basemap, color_by=args.color_by,
                                old_layer=args.old_layer, old_encoding=args.old_encoding, old_code_field=args.old_code,
                                old_name_field=args.old_name, old_parent_field=args.old_parent,
                                progress=Progress(args.quiet))
    print(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB): open it in a browser, no server needed")
    return 0
