"""``geoplan plans`` (the built-in plans) and ``geoplan find`` (units by name).

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from ..errors import GeoplanError
from ..i18n import Message, render


def add_plans(sub) -> None:
    p = sub.add_parser("plans", help=render("cli.plans_help"))
    p.set_defaults(run=run_plans)


def run_plans(args) -> int:
    from ..plan.catalogue import plan_summary

    for row in plan_summary().itertuples():
        print(render("cli.plan_line", plan=row.plan, old=row.old_units, new=row.new_units,
                     level=Message(f"level.{row.level}"), divided=row.divided_old_units, receiving=row.receiving_new_units))
    return 0


def add_find(sub) -> None:
    p = sub.add_parser("find", help=render("cli.find_help"))
    p.add_argument("name", help=render("cli.find_name"))
    p.add_argument("--province", help=render("cli.find_province"))
    p.add_argument("--plan", default="vn-2025-commune", help=render("cli.find_plan"))
    p.add_argument("--level", help=render("cli.find_level"))
    p.add_argument("--old", action="store_true", help=render("cli.find_old"))
    p.set_defaults(run=run_find)


def run_find(args) -> int:
    from ..link.find import find_units, hit_lines, no_match

    hits = find_units(args.name, plan=args.plan, province=args.province, old=args.old, level=args.level)
    if hits.empty:
        raise GeoplanError(no_match(args.name, plan=args.plan, province=args.province, old=args.old, level=args.level))
    print("\n".join(hit_lines(hits, province=args.province, old=args.old)))
    return 0
