"""``geoplan demo``: the national Vietnam demo.

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from ..i18n import render


def add_demo(sub) -> None:
    p = sub.add_parser("demo", help=render("cli.demo_help"))
    p.add_argument("--data", help=render("cli.demo_data"))
    p.add_argument("-o", "--output", default="maps/demo", help=render("cli.demo_output"))
    p.add_argument("--quiet", action="store_true", help=render("cli.quiet"))
    p.set_defaults(run=run_demo)


def run_demo(args) -> int:
    from ..vn.demo import run_demo

    run_demo(args.output, data=args.data, quiet=args.quiet)
    return 0
