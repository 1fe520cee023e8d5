"""Batches handed to GDAL as an Arrow stream, with what stopped them kept.

GDAL pulls the batches of :func:`pyogrio.write_arrow` from a Python generator; an exception
raised there (an interrupt: Ctrl-C, SIGTERM; a mistake found while converting) reaches the
caller only as ``RuntimeError: Error while accessing batch from stream``, and so does a signal
whose handler Arrow's C code ran. :func:`streamed` raises the original instead, so that an
interrupt is reported as one.

>>> schema = pa.schema([pa.field("a", pa.int64())])
>>> def batches():
...     yield pa.record_batch([pa.array([1])], schema=schema)
...     raise ValueError("stopped here")
>>> with streamed(schema, batches()) as reader:
...     reader.read_all()
Traceback (most recent call last):
ValueError: stopped here
"""

from __future__ import annotations

from contextlib import contextmanager

import pyarrow as pa

from .signals import raised_as_themselves


@contextmanager
def streamed(schema: pa.Schema, batches):
    """A RecordBatchReader of ``batches``; an exception the batches raised, or an interrupt, while
    it was read is raised again as itself when the reading fails."""
    stopped = []

    def kept():
        try:
            yield from batches
        except BaseException as error:
            stopped.append(error)
            raise

    with raised_as_themselves():
        try:
            yield pa.RecordBatchReader.from_batches(schema, kept())
        except BaseException:
            if stopped:
                raise stopped[0] from None
            raise
