"""The ``geoplan`` command line: a thin layer over the Python API.

Every user mistake ends as one line on stderr and exit status 2; heavy
libraries are imported only by the command that needs them.

>>> main(["plans"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

from .errors import GeoplanError
from .i18n import option_names

EXIT_USER_ERROR = 2
OPTION_FLAGS = {  # how the options of the Python API are named on the command line, in messages
    "code_field": "--old-code", "name_field": "--old-name", "parent_field": "--old-parent",
    "district_field": "--old-district", "pop_field": "--pop-field", "count_fields": "--count-field",
    "gap_width_m": "--gap-width", "aliases": "--aliases", "declared": "--declared", "level": "--level",
}


def _add_merge(sub) -> None:
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
    p.add_argument("--no-detect", action="store_true", help="do not detect fields that were not named")
    p.add_argument("--quiet", action="store_true", help="print only the summary: no progress, link report or totals")
    p.set_defaults(run=_run_merge)


def _run_merge(args) -> int:
    from .io.atomic import check_target
    from .io.layers import read_layer, require_fields
    from .io.result import write_result
    from .link.aliases import read_aliases
    from .link.fields import population_like
    from .merging.options import MergeOptions
    from .pipeline import merge
    from .plan.model import plan_from_field
    from .progress import Progress
    from .values import as_code

    say = Progress(args.quiet)
    options = MergeOptions(code_field=args.old_code, name_field=args.old_name, parent_field=args.old_parent,
                           district_field=args.old_district, detect=not args.no_detect, pop_field=args.pop_field,
                           count_fields=tuple(args.count_field), level=args.level, label=args.old,
                           **({} if args.gap_width is None else {"gap_width_m": args.gap_width}))
    if bool(args.by) == bool(args.plan):
        raise GeoplanError("give either a PLAN or --by FIELD")
    check_target(args.output, ".gpkg", "the result is a GeoPackage")
    if Path(args.output).resolve() in {Path(p).resolve() for p in (args.old, args.plan, args.aliases, args.declared) if p}:
        raise GeoplanError(f"{args.output}: is an input; inputs are never overwritten, choose another -o")
    old = read_layer(args.old, args.layer, args.encoding)  # no progress line yet: a mistake ends in its one line alone
    plan = args.plan  # merge resolves it, adds the shipped renames and a built-in plan's declared figures
    if args.by:
        require_fields(old, {"--by": args.by}, args.old)
        plan = plan_from_field(as_code(old[args.by]), args.by)
        options = MergeOptions.build(options, code_field=args.by, name_field=None, parent_field=None,
                                     district_field=None, detect=False, level=None)
    options = MergeOptions.build(options, aliases=read_aliases(args.aliases) if args.aliases else None,
                                 declared=args.declared)
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


def _add_plans(sub) -> None:
    p = sub.add_parser("plans", help="list the built-in plans")
    p.set_defaults(run=_run_plans)


def _run_plans(args) -> int:
    from .plan.catalogue import plan_summary

    for row in plan_summary().itertuples():
        print(f"{row.plan:18} {row.old_units:>6,} old -> {row.new_units:>5,} new units, "
              f"{row.divided_old_units:,} divided old units  ({row.description})")
    return 0


def _add_check(sub) -> None:
    p = sub.add_parser("check", help="compare computed area and population with the declared figures",
                       description="Compare each unit of a merge result with its declared area and population: "
                                   "differences, a verdict against a tolerance, a summary, and warnings for declared "
                                   "figures that look wrong (copied between units, hectares entered as km2). Writes a "
                                   "CSV and a Markdown report.")
    p.add_argument("result", help="GeoPackage written by geoplan merge")
    p.add_argument("--declared", metavar="CSV", help="declared figures (code, area_km2, population); default: those of the built-in plan")
    p.add_argument("--tolerance", type=float, default=2.0, help="area difference in %% accepted as OK, 0 or more (default 2)")
    p.add_argument("-o", "--output", help="CSV report to write, ending in .csv; the Markdown report goes beside it "
                                          "with .md (default: RESULT-check.csv and RESULT-check.md)")
    p.set_defaults(run=_run_check)


def _run_check(args) -> int:
    from .check.report import run_check

    with _warnings_on_one_line(args.command):
        print(run_check(args.result, declared=args.declared, tolerance_pct=args.tolerance, output=args.output))
    return 0


def _add_find(sub) -> None:
    p = sub.add_parser("find", help="find new (or old) units by name, diacritics and tone marks ignored")
    p.add_argument("name", help='name to look for, e.g. "thoi son"')
    p.add_argument("--province", help="keep only units in this province")
    p.add_argument("--plan", default="vn-2025-commune", help="plan to search (default vn-2025-commune)")
    p.add_argument("--level", help="plan level to search when the plan has several (province, commune)")
    p.add_argument("--old", action="store_true", help="search the old units instead of the new ones")
    p.set_defaults(run=_run_find)


def _run_find(args) -> int:
    from .link.find import find_units, hit_lines, no_match

    hits = find_units(args.name, plan=args.plan, province=args.province, old=args.old, level=args.level)
    if hits.empty:
        raise GeoplanError(no_match(args.name, plan=args.plan, province=args.province, old=args.old, level=args.level))
    print("\n".join(hit_lines(hits, province=args.province, old=args.old)))
    return 0


def _add_map(sub) -> None:
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
    p.set_defaults(run=_run_map)


def _run_map(args) -> int:
    from .maps.review import write_review_map
    from .progress import Progress

    output = args.output
    if output is None:  # the default folder is the only one made
        output = Path("maps") / (Path(args.result).stem + ".html")
        if not output.parent.exists():
            output.parent.mkdir()
    with _warnings_on_one_line(args.command):
        path = write_review_map(args.result, output, old=args.old, basemap=args.basemap, color_by=args.color_by,
                                old_layer=args.old_layer, old_encoding=args.old_encoding, old_code_field=args.old_code,
                                old_name_field=args.old_name, old_parent_field=args.old_parent,
                                progress=Progress(args.quiet))
    print(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB): open it in a browser, no server needed")
    return 0


def _add_demo(sub) -> None:
    p = sub.add_parser("demo", help="run the national Vietnam demo (schematic data unless --data)")
    p.add_argument("--data", help="folder with real layers (old_communes_c2013.gpkg, old_provinces_c2013.gpkg)")
    p.add_argument("-o", "--output", default="maps/demo", help="folder for the outputs (default maps/demo)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(run=_run_demo)


def _run_demo(args) -> int:
    from .vn.demo import run_demo

    run_demo(args.output, data=args.data, quiet=args.quiet)
    return 0


@contextmanager
def _warnings_on_one_line(command: str):
    """Show each warning as one line on stderr, ``geoplan map: warning: ...``, not Python's two.

    >>> with _warnings_on_one_line("map"):
    ...     warnings.warn("r.gpkg: has no layer about; going on without it")  # doctest: +SKIP
    """
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *_: print(f"geoplan {command}: warning: {message}", file=sys.stderr)
        yield


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage mistakes end in one line, as every other mistake does."""

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``geoplan``.

    >>> parser().parse_args(["find", "thoi son"]).command
    'find'
    """
    from . import __version__

    top = _Parser(prog="geoplan", description="Merge old administrative units into new ones, "
                                  "measure them, check them against declared figures and map them.")
    top.add_argument("--version", action="version", version=f"geoplan {__version__}")
    sub = top.add_subparsers(dest="command", required=True)
    for add in (_add_merge, _add_check, _add_map, _add_plans, _add_find, _add_demo):
        add(sub)
    for command in sub.choices.values():  # arguments a command does not take are its own usage mistake
        command.set_defaults(usage_error=command.error)
    return top


def main(argv=None) -> int:
    """Run ``geoplan``; user mistakes print one line and return 2.

    >>> main(["find", "xyzzy"])  # prints "geoplan find: error: no unit named 'xyzzy'" on stderr
    2
    """
    args, extra = parser().parse_known_args(argv)
    if extra:
        args.usage_error(f"unrecognized arguments: {' '.join(extra)}")
    with option_names(OPTION_FLAGS):  # errors name the command line's flags, also when printed
        try:
            return args.run(args)
        except GeoplanError as error:
            print(f"geoplan {args.command}: error: {error}", file=sys.stderr)
            return EXIT_USER_ERROR
        except OSError as error:  # a folder given for a file, a file that cannot be read or written
            where = f"{error.filename}: " if error.filename else ""
            print(f"geoplan {args.command}: error: {where}{error.strerror or error}", file=sys.stderr)
            return EXIT_USER_ERROR
        except KeyboardInterrupt:
            print(f"geoplan {args.command}: interrupted", file=sys.stderr)
            return 130


def _tune_process() -> None:
    """Settings for a command-line run, made before numpy loads (glibc and OpenBLAS only).

    glibc hands arrays of more than 128 KB straight back to the system when
    they are freed and maps fresh pages for the next one: on a national layer
    that is a hundred thousand page faults and, with the engine's threads,
    flushes of the other core's address cache; on a virtual machine it made a
    merge vary between 1.3 and 1.9 s. Arrays under 32 MB now come from the
    heap, which keeps freed memory for reuse. geoplan does no linear algebra:
    OpenBLAS need not start its threads.

    >>> _tune_process()  # doctest: +SKIP
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: glibc's largest
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep freed memory at the top of the heap too
    except (OSError, AttributeError):  # not glibc: its defaults stay
        pass


def run() -> None:
    """Console entry point: :func:`main`, then exit without tearing the heap down.

    Every output is written and closed by then; freeing tens of thousands of
    geometries and the loaded libraries one by one would only add 0.2 s.

    >>> run()  # doctest: +SKIP
    """
    _tune_process()
    try:
        code = main()
        sys.stdout.flush()
        sys.stderr.flush()
    except KeyboardInterrupt:  # after the outputs were written: still one line
        print("geoplan: interrupted", file=sys.stderr)
        code = 130
    os._exit(code)


if __name__ == "__main__":
    run()
