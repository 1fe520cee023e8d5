"""Threads: work started early for a result wanted later (:func:`in_daemon_thread`), and
element-wise GEOS work split over the cores (:func:`in_threads`: GEOS releases the GIL).

>>> in_daemon_thread(lambda: 6 * 7).result()
42
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context

import numpy as np


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


def in_threads(function, *arrays: np.ndarray, threads: int | None = None, together: np.ndarray | None = None) -> np.ndarray:
    """``function(*arrays)`` (element-wise, along the first axis) run on slices of the arrays in
    ``threads`` threads (default: the cores, up to 4): GEOS releases the GIL while it works.
    ``together``: a sorted key; rows with the same key go to the same thread (a prepared
    geometry must not be used by two threads at once: GEOS builds its indexes on first use).

    >>> import shapely
    >>> float(in_threads(shapely.area, np.array([shapely.box(0, 0, 1, 1)] * 100), threads=2).sum())
    100.0
    """
    threads = threads or min(os.cpu_count() or 1, 4)
    n = len(arrays[0])
    if threads < 2 or n < 64:
        return function(*arrays)
    bounds = np.linspace(0, n, threads + 1).astype(int)
    if together is not None:
        bounds[1:-1] = np.searchsorted(together, together[bounds[1:-1]])  # back to the start of a key's run
    with ThreadPoolExecutor(threads) as pool:
        parts = pool.map(lambda k: function(*(a[bounds[k]:bounds[k + 1]] for a in arrays)), range(threads))
        return np.concatenate(list(parts))
