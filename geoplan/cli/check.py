"""``geoplan check``: computed figures against declared ones.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from ..i18n import render
from .common import warnings_on_one_line


def add_check(sub) -> None:
    p = sub.add_parser("check", help=render("cli.check_help"), description=render("cli.check_description"))
    p.add_argument("result", help=render("cli.result_arg"))
    p.add_argument("--declared", metavar="CSV", help=render("cli.check_declared"))
    p.add_argument("--tolerance", type=float, default=2.0, help=render("cli.check_tolerance"))
    p.add_argument("-o", "--output", help=render("cli.check_output"))
    p.set_defaults(run=run_check)


def run_check(args) -> int:
    from ..check.report import run_check

    with warnings_on_one_line(args.command):
        print(run_check(args.result, declared=args.declared, tolerance_pct=args.tolerance, output=args.output))
    return 0
