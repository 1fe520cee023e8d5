"""``geoplan plans`` (the built-in plans) and ``geoplan find`` (units by name).

Heavy libraries are imported inside the command (lazily, for start-up speed: ``geoplan --help``
answers at once)."""

from __future__ import annotations

from ..errors import GeoplanError


def add_plans(sub) -> None:
    p = sub.add_parser("plans", help="list the built-in plans")
    p.set_defaults(run=run_plans)


def run_plans(args) -> int:
    from ..plan.catalogue import plan_summary

    for row in plan_summary().itertuples():
        print(f"{row.plan:18} {row.old_units:>6,} old -> {row.new_units:>5,} new units, "
              f"{row.divided_old_units:,} divided old units  ({row.description})")
    return 0


def add_find(sub) -> None:
    p = sub.add_parser("find", help="find new (or old) units by name, diacritics and tone marks ignored")
    p.add_argument("name", help='name to look for, e.g. "thoi son"')
    p.add_argument("--province", help="keep only units in this province")
    p.add_argument("--plan", default="vn-2025-commune", help="plan to search (default vn-2025-commune)")
    p.add_argument("--level", help="plan level to search when the plan has several (province, commune)")
    p.add_argument("--old", action="store_true", help="search the old units instead of the new ones")
    p.set_defaults(run=run_find)


def run_find(args) -> int:
    from ..link.find import find_units, hit_lines, no_match

    hits = find_units(args.name, plan=args.plan, province=args.province, old=args.old, level=args.level)
    if hits.empty:
        raise GeoplanError(no_match(args.name, plan=args.plan, province=args.province, old=args.old, level=args.level))
    print("\n".join(hit_lines(hits, province=args.province, old=args.old)))
    return 0
