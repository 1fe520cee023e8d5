"""``geoplan transfer``: carry a table kept per old unit onto the new units of a merge result.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from ..i18n import render
from .common import warnings_on_one_line


def add_transfer(sub) -> None:
    """Add ``geoplan transfer`` to the command line's sub-commands.

    >>> from geoplan.cli import parser
    >>> parser().parse_args(["transfer", "r.gpkg", "t.csv", "-o", "o.csv", "--sum", "pop"]).sum
    ['pop']
    """
    p = sub.add_parser("transfer", help=render("transfer.cli_help"), description=render("transfer.cli_description"))
    p.add_argument("result", help=render("cli.result_arg"))
    p.add_argument("table", help=render("transfer.cli_table"))
    p.add_argument("-o", "--output", required=True, help=render("transfer.cli_output"))
    p.add_argument("--sum", metavar="COL", action="append", default=[], help=render("transfer.cli_sum"))
    p.add_argument("--mean", metavar="COL[:WEIGHT]", action="append", default=[], help=render("transfer.cli_mean"))
    p.add_argument("--share", metavar="COL[:WEIGHT]", action="append", default=[], help=render("transfer.cli_share"))
    p.add_argument("--missing", metavar="empty|zero", default="empty", help=render("transfer.cli_missing"))
    p.add_argument("--by", metavar="population|area", default="population", help=render("transfer.cli_by"))
    for role in ("code", "name", "parent", "district"):
        p.add_argument(f"--old-{role}", metavar="COLUMN", help=render(f"transfer.cli_old_{role}"))
    p.add_argument("--layer", help=render("transfer.cli_layer"))
    p.add_argument("--encoding", help=render("transfer.cli_encoding"))
    p.add_argument("--aliases", metavar="CSV", help=render("transfer.cli_aliases"))
    p.add_argument("--quiet", action="store_true", help=render("transfer.cli_quiet"))
    p.set_defaults(run=run_transfer)


def run_transfer(args) -> int:
    """Run ``geoplan transfer``: check the output, carry, print the reports, write; 0 when done.

    >>> run_transfer(parser().parse_args(["transfer", "r.gpkg", "t.csv", "-o", "o.xlsx"]))  # doctest: +SKIP
    0
    """
    from ..crosswalk.transfer import TransferOptions, transfer
    from ..crosswalk.transfer_output import about_rows, check_output, write_output
    from ..link.aliases import read_aliases

    with warnings_on_one_line(args.command):
        target = check_output(args.output, (args.result, args.table, args.aliases))
        options = TransferOptions(sums=tuple(args.sum), means=tuple(args.mean), shares=tuple(args.share),
                                  missing=args.missing, share_by=args.by, code_field=args.old_code,
                                  name_field=args.old_name, parent_field=args.old_parent,
                                  district_field=args.old_district, layer=args.layer, encoding=args.encoding,
                                  aliases=read_aliases(args.aliases) if args.aliases else None)
        out = transfer(args.result, args.table, options, geometry=target.suffix.lower() == ".gpkg")
        if not args.quiet:
            print(out.link_report())
        summary = out.summary()
        print(summary)
        about = about_rows(summary.splitlines(), out.columns, options, {"result": args.result, "table": args.table})
        write_output(out.table, about, target)
    print(render("transfer.wrote", path=target, units=len(out.table), columns=len(out.columns)))
    return 0
