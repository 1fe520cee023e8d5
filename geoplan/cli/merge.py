"""``geoplan merge``: old units into new ones by a plan, or dissolved by a field.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from pathlib import Path

from ..errors import GeoplanError
from ..i18n import Message, render


def add_merge(sub) -> None:
    p = sub.add_parser("merge", help=render("cli.merge_help"), description=render("cli.merge_description"))
    p.add_argument("old", help=render("cli.merge_old"))
    p.add_argument("plan", nargs="?", help=render("cli.merge_plan"))
    p.add_argument("-o", "--output", required=True, help=render("cli.merge_output"))
    p.add_argument("--report", metavar="XLSX", help=render("cli.merge_report"))
    p.add_argument("--by", metavar="FIELD", help=render("cli.merge_by"))
    p.add_argument("--layer", help=render("cli.merge_layer"))
    p.add_argument("--encoding", help=render("cli.merge_encoding"))
    p.add_argument("--level", help=render("cli.merge_level"))
    p.add_argument("--old-code", metavar="FIELD", help=render("cli.merge_old_code"))
    p.add_argument("--old-name", metavar="FIELD", help=render("cli.merge_old_name"))
    p.add_argument("--old-parent", metavar="FIELD", help=render("cli.merge_old_parent"))
    p.add_argument("--old-district", metavar="FIELD", help=render("cli.merge_old_district"))
    p.add_argument("--pop-field", metavar="FIELD", help=render("cli.merge_pop_field"))
    p.add_argument("--count-field", metavar="FIELD", action="append", default=[], help=render("cli.merge_count_field"))
    p.add_argument("--aliases", metavar="CSV", help=render("cli.merge_aliases"))
    p.add_argument("--declared", metavar="CSV", help=render("cli.merge_declared"))
    p.add_argument("--gap-width", metavar="METRES", type=float, default=None, help=render("cli.merge_gap_width"))
    p.add_argument("--reference", metavar="NEW_UNITS", help=render("cli.merge_reference"))
    p.add_argument("--reference-code", metavar="FIELD", help=render("cli.merge_reference_code"))
    p.add_argument("--split-lines", metavar="LINES", help=render("cli.merge_split_lines"))
    p.add_argument("--weights", metavar="LAYER", help=render("cli.merge_weights"))
    p.add_argument("--weight-field", metavar="FIELD", help=render("cli.merge_weight_field"))
    p.add_argument("--no-detect", action="store_true", help=render("cli.merge_no_detect"))
    p.add_argument("--quiet", action="store_true", help=render("cli.merge_quiet"))
    p.set_defaults(run=run_merge)


def _check_outputs(args) -> None:
    """Refuse outputs that cannot be written, or that are inputs, before any work."""
    from ..io.atomic import check_target

    check_target(args.output, ".gpkg", Message("result.what_gpkg"))
    if args.report:
        check_target(args.report, ".xlsx", Message("result.what_xlsx"))
    inputs = (args.old, args.plan, args.aliases, args.declared, args.reference, args.split_lines, args.weights)
    inputs = {Path(p).resolve() for p in inputs if p}
    for output in (args.output, args.report):
        if output and Path(output).resolve() in inputs:
            raise GeoplanError("cli.output_is_input", path=output)
    if args.report and Path(args.report).resolve() == Path(args.output).resolve():
        raise GeoplanError("cli.report_is_output", path=args.report)


def run_merge(args) -> int:
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
        raise GeoplanError("cli.plan_or_by")
    _check_outputs(args)
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
    say(render("cli.writing", path=args.output))
    write_result(result, args.output, source=str(args.old))
    if args.report:
        from ..io.report import write_report  # openpyxl loads only for a report (0.2 s of imports)

        say(render("cli.writing", path=args.report))
        write_report(result, args.report)
    _print_reports(args, result, [] if args.pop_field else population_like(old.columns))
    return 0


def _print_reports(args, result, counts: list[str]) -> None:
    """The link report, totals and population estimate (unless quiet), the summary and what was written."""
    from ..measure.estimate import estimate_line

    if not args.quiet:
        print(result.link_report())
        print(result.conservation())
        if estimate_line(result.units):
            print(estimate_line(result.units))
        if counts:
            print(render("cli.no_population", fields=", ".join(counts)))
    print(result.summary())
    layers = ["units", "crosswalk", "lineage", "repairs", "features"] + (["audit"] if result.audit is not None else [])
    print(render("cli.wrote_result", path=args.output, layers=", ".join(layers + ["about"])))
    if args.report:
        print(render("cli.wrote_report", path=args.report))
