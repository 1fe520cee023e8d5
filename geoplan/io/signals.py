"""Interrupts held back around a step that must not be cut in two (renaming an output into place
and recording that it was).

Blocking the signals in the writing thread is not enough: the kernel hands a signal to any
thread of the process that does not block it (GDAL's, a thread pool's), and Python then runs
the handler in the main thread at its next instruction, which may fall between the rename and
its record. So the Python-level handlers of SIGINT, SIGTERM and SIGHUP are replaced, inside the
step, by one that notes the signal; the noted signals are handed to the original handlers
right after the step, in order. Outside the main thread (where handlers cannot be changed)
nothing is held back: Python runs handlers in the main thread only, never in the writer's.

>>> with held_back():
...     pass
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def held_back():
    """Hold SIGINT, SIGTERM and SIGHUP back inside a ``with`` block; deliver them after it.

    >>> previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as in a terminal
    >>> try:
    ...     with held_back():
    ...         signal.raise_signal(signal.SIGINT)
    ...         done = "the step ended"
    ... except KeyboardInterrupt:
    ...     print(done, "before the interrupt")
    the step ended before the interrupt
    >>> _ = signal.signal(signal.SIGINT, previous)
    """
    noted: list[int] = []
    try:
        with _noting(noted, deliver=False) as previous:
            yield
    finally:  # the handlers are back in place: a signal arriving now is handled as usual
        for signum in noted:
            previous[signum](signum, None)


@contextmanager
def raised_as_themselves():
    """Inside the block, an interrupt whose exception C code swallowed (GDAL pulling Arrow batches
    turns it into ``RuntimeError: Error while accessing batch from stream``) is raised again as
    itself when the block fails; the handlers still run at once, so the work stops as soon.

    >>> previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    >>> try:
    ...     with raised_as_themselves():
    ...         try:
    ...             signal.raise_signal(signal.SIGINT)
    ...         except KeyboardInterrupt:
    ...             raise RuntimeError("swallowed by C code")
    ... except KeyboardInterrupt:
    ...     print("interrupted")
    interrupted
    >>> _ = signal.signal(signal.SIGINT, previous)
    """
    noted: list[int] = []
    with _noting(noted, deliver=True) as previous:
        try:
            yield
        except KeyboardInterrupt:  # (the CLI's SIGTERM too): the interrupt itself, not swallowed
            raise
        except BaseException:
            if noted:
                previous[noted[0]](noted[0], None)  # raises the interrupt itself
            raise


@contextmanager
def _noting(noted: list, deliver: bool):
    """The Python-level handlers of SIGINT, SIGTERM and SIGHUP (Ctrl-C's KeyboardInterrupt, the
    CLI's SIGTERM) replaced, inside the block, by ones that add each signal to ``noted`` and, with
    ``deliver``, run the original at once; yields the originals. Outside the main thread, where
    handlers cannot change, nothing is noted."""
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    if threading.current_thread() is not threading.main_thread():
        yield previous
        return

    def note(handler):
        def noting(number, frame):
            noted.append(number)
            if deliver:
                handler(number, frame)
        return noting

    for signum, handler in previous.items():
        if callable(handler):
            signal.signal(signum, note(handler))
    try:
        yield previous
    finally:
        for signum, handler in previous.items():
            if callable(handler):
                signal.signal(signum, handler)
