"""The ``geoplan`` command line: a thin layer over the Python API, one module per command.

Every user mistake ends as one line on stderr and exit status 2; heavy
libraries are imported only by the command that needs them. ``--lang vi|en``
(or ``GEOPLAN_LANG``) chooses the language of every message; by default
Vietnamese when the locale is Vietnamese.

>>> main(["plans"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
import sys

# geoplan does no linear algebra: OpenBLAS need not start its threads, which spin for a while
# after numpy's first use and take a core from the engine's. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from ..i18n import LANGUAGES, option_names, render, using
from ..io.atomic import forget_committed
from ..io.lock import release_all
from . import assign, atlas, check, demo, merge, plans, review_map, transfer
from .common import HelpFormatter, localise, usage_mistake
from .failures import EXIT_USER_ERROR, catch_signals, claim_outputs, failed, flushed, interrupted, one_line
from .memory import share_one_heap

OPTION_FLAGS = {  # how the options of the Python API are named on the command line, in messages
    "code_field": "--old-code", "name_field": "--old-name", "parent_field": "--old-parent",
    "district_field": "--old-district", "pop_field": "--pop-field", "count_fields": "--count-field",
    "gap_width_m": "--gap-width", "aliases": "--aliases", "declared": "--declared", "level": "--level",
    "tolerance_pct": "--tolerance",
    "reference": "--reference", "reference_code": "--reference-code", "split_lines": "--split-lines",
    "weights": "--weights", "weight_field": "--weight-field",
    "sums": "--sum", "means": "--mean", "shares": "--share", "missing": "--missing", "share_by": "--by", "layer": "--layer",
}
COMMANDS = (merge.add_merge, check.add_check, review_map.add_map, atlas.add_atlas, plans.add_plans, plans.add_find,
            demo.add_demo, transfer.add_transfer, assign.add_assign)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage mistakes end in one line, as every other mistake does, and
    whose help and mistakes are in the language in use."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, one_line(render("cli.usage_error", prog=self.prog, message=usage_mistake(message)))
                  + "\n")


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``geoplan``.

    >>> parser().parse_args(["find", "thoi son"]).command
    'find'
    """
    from .. import __version__

    top = localise(_Parser(prog="geoplan", description=render("cli.description")))
    top.add_argument("--version", action="version", version=f"geoplan {__version__}", help=render("cli.version_help"))
    top.add_argument("--lang", choices=LANGUAGES, help=render("cli.lang_help"))
    sub = top.add_subparsers(dest="command", required=True, title=render("cli.commands"))
    for add in COMMANDS:
        add(sub)
    for command in sub.choices.values():  # arguments a command does not take are its own usage mistake
        localise(command).add_argument("--lang", choices=LANGUAGES, help=render("cli.lang_help"))
        command.set_defaults(usage_error=command.error)
    return top


def main(argv=None) -> int:
    """Run ``geoplan``; user mistakes and failures of the machine (disk full, memory, a file that
    cannot be read) print one line and return 2, an interrupt 130 (see :mod:`geoplan.cli.failures`).

    >>> main(["find", "xyzzy"])  # prints "geoplan find: error: no unit named 'xyzzy'" on stderr
    2
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    share_one_heap()
    with using(_language(argv)):
        return _main(argv)


def _language(argv: list[str]) -> str | None:
    """The language ``--lang`` asks for, wherever it stands (also before the parser is built,
    so that its help is in that language); None when not given or not one geoplan speaks.

    >>> _language(["merge", "a.gpkg", "--lang", "vi"]), _language(["--lang=en", "plans"]), _language(["plans"])
    ('vi', 'en', None)
    """
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else arg[len("--lang="):] if arg.startswith("--lang=") else None
        if value in LANGUAGES:
            return value
    return None


def _main(argv: list[str]) -> int:
    args, extra = parser().parse_known_args(argv)
    if extra:
        args.usage_error(render("cli.unrecognized", arguments=" ".join(extra)))
    forget_committed()
    with option_names(OPTION_FLAGS):  # errors name the command line's flags, also when printed
        try:
            claim_outputs(args)  # a second run writing the same -o is refused now, not after the work
            return args.run(args)
        except KeyboardInterrupt as interrupt:
            return interrupted(args, interrupt)
        except Exception as error:  # noqa: BLE001: every failure ends in one line (see failures)
            return failed(args.command, error)
        finally:
            release_all()


def _tune_process() -> None:
    """glibc's settings for a command-line run (OpenBLAS's is made as this module loads).

    glibc hands arrays of more than 128 KB straight back to the system when
    they are freed and maps fresh pages for the next one: on a national layer
    that is a hundred thousand page faults and, with the engine's threads,
    flushes of the other core's address cache; on a virtual machine it made a
    merge vary between 1.3 and 1.9 s. Arrays under 32 MB now come from the
    heap, which keeps freed memory for reuse.

    >>> _tune_process()  # doctest: +SKIP
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: glibc's largest
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep freed memory at the top of the heap too
    except (OSError, AttributeError):  # not glibc: its defaults stay
        pass


def run() -> None:
    """Console entry point: :func:`main`, then exit without tearing the heap down.

    SIGTERM and SIGHUP interrupt a run as Ctrl-C does (its temporary files are removed, an
    output already renamed into place is reported as written). Every output is written and
    closed by then; freeing tens of thousands of geometries and the loaded libraries one by
    one would only add 0.2 s.

    >>> run()  # doctest: +SKIP
    """
    _tune_process()
    catch_signals()
    try:
        code = main()
    except KeyboardInterrupt as interrupt:  # before a command started, or after it ended
        code = interrupted(None, interrupt)
    os._exit(flushed(code))

