"""Work started early in a thread of its own, for a result wanted later.

>>> in_daemon_thread(lambda: 6 * 7).result()
42
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from contextvars import copy_context


def in_daemon_thread(function) -> Future:
    """``function()`` run in a daemon thread (not waited for when the process ends: a run that
    fails or is interrupted meanwhile ends at once), in the caller's context (its language), its
    result a Future.

    >>> in_daemon_thread(lambda: 6 * 7).result()
    42
    """
    future: Future = Future()

    def run():
        try:
            future.set_result(function())
        except BaseException as error:  # noqa: BLE001 (handed to whoever waits for the result)
            future.set_exception(error)

    threading.Thread(target=copy_context().run, args=(run,), daemon=True).start()
    return future
