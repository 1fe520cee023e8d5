"""How a run of ``geoplan`` ends when it does not succeed: one line on stderr, a non-zero status.

- a user mistake (:class:`geoplan.errors.GeoplanError`): its message, status 2;
- a failure of the machine (a file that cannot be read or written, a full
  disk, memory, a name too long for the system): one line naming the file
  and the reason, status 2;
- an interrupt (Ctrl-C, SIGTERM, SIGHUP): what was written said in one line,
  status 128 + the signal; when the command's outputs were all renamed into
  place before it came, the run succeeded and says so (status 0);
- anything else is a defect of geoplan: one line asking to report it, status 3
  (``GEOPLAN_DEBUG=1`` shows the traceback instead).

Lines longer than :data:`LONGEST_LINE` are cut: a 100,000-character name helps nobody.

>>> one_line("x" * 5000)[-3:], len(one_line("x" * 5000))
('xx…', 1000)
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from ..errors import GeoplanError
from ..i18n import Message, render
from ..io.atomic import committed, remove_leftovers
from ..io.lock import claim
from ..io.write_errors import REASONS

EXIT_USER_ERROR = 2
EXIT_DEFECT = 3
EXIT_BROKEN_PIPE = 128 + 13
LONGEST_LINE = 1000
OUTPUTS_WRITTEN = {"merge": 1, "map": 1, "check": 2, "transfer": 1, "atlas": 1}  # outputs a command renames into place on success



class Interrupted(KeyboardInterrupt):
    """A signal that ends a run as Ctrl-C does (SIGTERM, SIGHUP); ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def catch_signals() -> None:
    """Make SIGTERM and SIGHUP interrupt the run as Ctrl-C does, so that its temporary files are
    removed and its lock given back (SIGKILL cannot be caught: the next run cleans up).

    >>> catch_signals()  # doctest: +SKIP
    """
    def interrupt(signum, frame):
        raise Interrupted(signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


def one_line(text: str) -> str:
    """``text`` on one line of at most :data:`LONGEST_LINE` characters.

    >>> one_line("a\\nb")
    'a b'
    """
    text = " ".join(str(text).split("\n"))
    return text if len(text) <= LONGEST_LINE else text[:LONGEST_LINE - 1] + "…"


def say(command: str | None, message) -> None:
    """Print ``geoplan COMMAND: MESSAGE`` on stderr, on one line.

    >>> say("map", "interrupted")  # doctest: +SKIP
    """
    prefix = f"geoplan {command}" if command else "geoplan"
    print(one_line(f"{prefix}: {message}"), file=sys.stderr)


def error_line(command: str, message: Message) -> None:
    """Print ``geoplan COMMAND: error: MESSAGE`` on stderr ("lỗi" in Vietnamese), on one line.

    >>> error_line("merge", Message("env.disk_full"))  # doctest: +SKIP
    """
    print(one_line(f"{render('cli.error', command=command)} {message}"), file=sys.stderr)


def outputs(args) -> list[Path]:
    """The files a command's options name as its outputs (``-o``, and merge's ``--report``; check's
    Markdown beside its CSV); a default output is not listed.

    >>> [str(p) for p in outputs(type("Args", (), {"command": "check", "output": "c.csv"})())]
    ['c.csv', 'c.md']
    """
    output, report = getattr(args, "output", None), getattr(args, "report", None)
    if args.command not in OUTPUTS_WRITTEN or not output:
        return []
    paths = [Path(output)] + ([Path(output).with_suffix(".md")] if args.command == "check" else [])
    return paths + ([Path(report)] if report else [])


def expected_outputs(args) -> int | None:
    """How many outputs ``args``' command renames into place when it succeeds (None: not known).

    >>> expected_outputs(type("Args", (), {"command": "merge", "report": "r.xlsx"})())
    2
    """
    if args is None or args.command not in OUTPUTS_WRITTEN:
        return None
    return OUTPUTS_WRITTEN[args.command] + bool(getattr(args, "report", None))


def claim_outputs(args) -> None:
    """Take the locks of the files ``-o`` (and ``--report``) name (see :mod:`geoplan.io.lock`), where
    they can be taken, and remove what killed runs left beside them: a folder that is missing or
    cannot be written in is the command's own mistake to report.

    >>> claim_outputs(type("Args", (), {"command": "plans"})())
    """
    for path in outputs(args):
        if path.parent.is_dir() and not path.is_dir():
            try:
                claim(path)
            except OSError:
                continue
            remove_leftovers(path)  # what a killed run left goes now, not only when this one writes


def failed(command: str, error: Exception) -> int:
    """Say why a run failed, in one line; the exit status.

    >>> failed("merge", OSError(errno.ENOSPC, "No space left on device", "out.gpkg"))  # doctest: +SKIP
    2
    """
    if isinstance(error, GeoplanError):
        error_line(command, error.message)
        return EXIT_USER_ERROR
    if isinstance(error, BrokenPipeError):  # the reader of our output went away (`| head`): nothing to say
        return EXIT_BROKEN_PIPE
    if isinstance(error, OSError):
        error_line(command, _os_error(error))
        return EXIT_USER_ERROR
    loop = _symlink_loop(error)
    if loop is not None:
        error_line(command, Message("env.os_error", path=loop, reason=Message("env.link_loop")))
        return EXIT_USER_ERROR
    if isinstance(error, (MemoryError, RecursionError)):
        error_line(command, Message("env.out_of_memory" if isinstance(error, MemoryError) else "env.too_deep"))
        return EXIT_USER_ERROR
    if os.environ.get("GEOPLAN_DEBUG"):
        raise error
    say(command, render("env.defect", kind=type(error).__name__, reason=str(error).strip().split("\n")[0]))
    return EXIT_DEFECT


def _symlink_loop(error: Exception) -> str | None:
    """The path of a symbolic link that points back to itself, which Python's ``Path.resolve``
    reports as RuntimeError("Symlink loop from '...'") up to Python 3.12 (OSError ELOOP since)."""
    text = str(error)
    if isinstance(error, RuntimeError) and text.startswith("Symlink loop from "):
        return text[len("Symlink loop from "):].strip("'\"")
    return None


def _os_error(error: OSError) -> Message:
    """An OSError as a message naming its file."""
    reason = Message(REASONS[error.errno]) if error.errno in REASONS else (error.strerror or str(error))
    path = error.filename if error.filename is not None else ""
    return Message("env.os_error", path=str(path), reason=reason) if path != "" else \
        Message("env.os_error_no_path", reason=reason)


def interrupted(args, interrupt: KeyboardInterrupt) -> int:
    """Say what an interrupted run wrote; the exit status: 0 when every output of ``args``' command
    was renamed into place before the interrupt came (the run succeeded), else 128 + the signal.
    ``args`` is None when no command had started.

    >>> interrupted(None, KeyboardInterrupt())  # doctest: +SKIP
    130
    """
    command, expected, written = getattr(args, "command", None), expected_outputs(args), committed()
    if expected is not None and len(written) >= expected:
        for path in written:
            say(command, render("env.written_before_interrupt", path=str(path)))
        return 0
    if written:
        say(command, render("env.interrupted_after", paths=", ".join(map(str, written))))
    else:
        say(command, render("env.interrupted"))
    return 128 + getattr(interrupt, "signum", signal.SIGINT)


def flushed(code: int) -> int:
    """Flush stdout and stderr before the process ends; a reader gone away is not an error.

    >>> flushed(0)
    0
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            code = code or EXIT_BROKEN_PIPE
        except (OSError, ValueError):  # a closed or full stream: nothing more can be said
            pass
    return code
