"""``geoplan merge``: old units into new ones by a plan, or dissolved by a field.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from pathlib import Path

from ..errors import GeoplanError


def add_merge(sub) -> None:
    p = sub.add_parser("merge", help="merge old units into new ones by a plan (or dissolve --by a field)",
                       description="Merge the polygons of OLD into the new units of PLAN (a CSV/JSON plan file "
                                   "or a built-in plan, see `geoplan plans`), repair gaps and overlaps, "
                                   "measure, and write a GeoPackage with layers units, lineage, repairs, features, about.")
    p.add_argument("old", help="old units: any vector file (GeoPackage, Shapefile, .zip, GeoJSON, FlatGeobuf, GeoParquet)")
    p.add_argument("plan", nargs="?", help="plan file or built-in plan name (omit with --by)")
    p.add_argument("-o", "--output", required=True, help="GeoPackage to write")
    p.add_argument("--by", metavar="FIELD", help="dissolve by this field instead of a plan")
    p.add_argument("--layer", help="layer of OLD to read when it has several")
    p.add_argument("--encoding", help="attribute encoding of OLD when its file does not say: cp1258, tcvn3 (.Vn fonts) or vni for old Shapefiles")
    p.add_argument("--level", help="plan level to use when the plan has several (province, commune)")
    p.add_argument("--old-code", metavar="FIELD", help="field with the old units' codes (default: detected)")
    p.add_argument("--old-name", metavar="FIELD", help="field with the old units' names (default: detected)")
    p.add_argument("--old-parent", metavar="FIELD", help="field with the parent (province) names (default: detected)")
    p.add_argument("--old-district", metavar="FIELD", help="field with the district names (default: detected)")
    p.add_argument("--pop-field", metavar="FIELD", help="population field to sum")
    p.add_argument("--count-field", metavar="FIELD", action="append", default=[], help="another count to sum (repeatable)")
    p.add_argument("--aliases", metavar="CSV", help="CSV with columns from,to: a name as the layer writes it, the name the plan uses")
    p.add_argument("--declared", metavar="CSV", help="declared figures (code, area_km2, population) to set beside the computed ones")
    p.add_argument("--gap-width", metavar="METRES", type=float, default=None,
                   help="gaps wider than this are flagged for review (default 200 m); every gap is filled")
    p.add_argument("--reference", metavar="NEW_UNITS", help="polygons of the new units (an official map, any CRS): "
                   "divided old units are split along them, and the plan is audited against them")
    p.add_argument("--reference-code", metavar="FIELD", help="field of --reference with the new units' codes (default: detected)")
    p.add_argument("--split-lines", metavar="LINES", help="lines drawn to cut divided old units where there is no reference")
    p.add_argument("--weights", metavar="LAYER", help="points (addresses, buildings) or polygons (footprints) apportioning "
                   "the counts of divided old units to their parts (default: by area)")
    p.add_argument("--weight-field", metavar="FIELD", help="field of --weights with each feature's weight (default: 1 per "
                   "point, the area of a polygon)")
    p.add_argument("--no-detect", action="store_true", help="do not detect fields that were not named")
    p.add_argument("--quiet", action="store_true", help="print only the summary: no progress, link report or totals")
    p.set_defaults(run=run_merge)


def run_merge(args) -> int:
    from ..io.atomic import check_target
    from ..io.layers import read_layer, require_fields
    from ..io.result import write_result
    from ..link.aliases import read_aliases
    from ..link.fields import population_like
    from ..merging.options import MergeOptions
    from ..pipeline import merge
    from ..plan.model import plan_from_field
    from ..progress import Progress
    from ..values import as_code

    say = Progress(args.quiet)
    options = MergeOptions(code_field=args.old_code, name_field=args.old_name, parent_field=args.old_parent,
                           district_field=args.old_district, detect=not args.no_detect, pop_field=args.pop_field,
                           count_fields=tuple(args.count_field), level=args.level, label=args.old,
                           **({} if args.gap_width is None else {"gap_width_m": args.gap_width}))
    if bool(args.by) == bool(args.plan):
        raise GeoplanError("give either a PLAN or --by FIELD")
    check_target(args.output, ".gpkg", "the result is a GeoPackage")
    inputs = (args.old, args.plan, args.aliases, args.declared, args.reference, args.split_lines, args.weights)
    if Path(args.output).resolve() in {Path(p).resolve() for p in inputs if p}:
        raise GeoplanError(f"{args.output}: is an input; inputs are never overwritten, choose another -o")
    old = read_layer(args.old, args.layer, args.encoding)  # no progress line yet: a mistake ends in its one line alone
    plan = args.plan  # merge resolves it, adds the shipped renames and a built-in plan's declared figures
    if args.by:
        require_fields(old, {"--by": args.by}, args.old)
        plan = plan_from_field(as_code(old[args.by]), args.by)
        options = MergeOptions.build(options, code_field=args.by, name_field=None, parent_field=None,
                                     district_field=None, detect=False, level=None)
    options = MergeOptions.build(options, aliases=read_aliases(args.aliases) if args.aliases else None,
                                 declared=args.declared, reference=args.reference, reference_code=args.reference_code,
                                 split_lines=args.split_lines, weights=args.weights, weight_field=args.weight_field)
    result = merge(old, plan, options, progress=say)
    say(f"writing {args.output}")
    write_result(result, args.output, source=str(args.old))
    if not args.quiet:
        print(result.link_report())
        print(result.conservation())
        counts = [] if args.pop_field else population_like(old.columns)
        if counts:
            print(f"No population summed: give --pop-field (fields that look like one: {', '.join(counts)})")
    print(result.summary())
    print(f"Wrote {args.output} (layers units, crosswalk, lineage, repairs, features, about)")
    return 0
