"""What a merge works from, read and checked once: the options, the plan, the declared figures,
the prepared old layer and the reference layer of the new units (when given).

>>> inputs = MergeInputs.gather(old, "vn-2025-commune", MergeOptions(pop_field="pop2019"))  # doctest: +SKIP
>>> inputs.counts  # doctest: +SKIP
['population']
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from dataclasses import dataclass

import pandas as pd

from ..check.declared import declared_for_merge
from ..errors import InputError
from ..plan.catalogue import read_plan
from ..plan.model import Plan
from ..threads import in_daemon_thread
from .audit import reference_holdings
from .layer import OldLayer
from .options import MergeOptions
from .reference import Reference


@dataclass(frozen=True)
class MergeInputs:
    """The inputs of a merge: ``options``, ``plan``, ``declared`` figures (or None), the old
    ``layer`` and the ``reference`` (or None)."""

    options: MergeOptions
    plan: Plan
    declared: pd.DataFrame | None
    layer: OldLayer
    reference: Reference | None
    holdings: Future | None = None  # with a reference: its holdings of the old polygons (audit.reference_holdings)

    @classmethod
    def gather(cls, old, plan, options: MergeOptions) -> MergeInputs:
        """Resolve the plan (a Plan, a file or a built-in name), find the declared figures,
        prepare the old layer and read the reference; raises GeoplanError on what cannot be used."""
        read = in_daemon_thread(lambda: Reference.layer(options.reference)) if options.reference is not None else None
        plan, plan_name = _plan(plan, options.level)  # (the reference's file is read meanwhile)
        declared = declared_for_merge(options.declared, plan, plan_name)
        reference = _reference_soon(old, plan, options, read)  # made beside the old layer's preparation
        layer = OldLayer.prepare(old, plan, options)
        holdings = _holdings_soon(layer, reference)  # measured as soon as the reference is made
        return cls(options, plan, declared, layer, reference.result() if reference is not None else None, holdings)

    @property
    def counts(self) -> list[str]:
        """The result columns of the counts (``population`` first)."""
        return [self.options.column(name) for name in self.options.counts]


def _reference_soon(old, plan: Plan, options: MergeOptions, read: Future | None) -> Future | None:
    """The reference (:class:`Reference`, in the old layer's CRS) made in a thread of its own from
    its layer (``read``: :meth:`Reference.layer` in a thread), or None without one; a mistake in
    the old layer is said first, as the reference is waited for after the layer is prepared."""
    if read is None:
        return None
    crs = getattr(old, "crs", None)
    return in_daemon_thread(lambda: Reference.read(options.reference, plan, crs, options.reference_code,
                                                   frame=read.result()))


def _holdings_soon(layer: OldLayer, reference: Future | None) -> Future | None:
    """The reference's holdings of the old polygons (:func:`.audit.reference_holdings`), in a
    thread of its own that waits for the reference (made meanwhile); None without one."""
    if reference is None:
        return None
    layer.areas_km2, layer.measurable  # noqa: B018 (cached now, once: the merge reads them too)
    return in_daemon_thread(lambda: reference_holdings(layer, reference.result()))


def _plan(plan, level: str | None) -> tuple[Plan, str | None]:
    """The plan to merge by, and its name when it was given by name or file."""
    if isinstance(plan, (str, os.PathLike)):
        return read_plan(plan, level), str(plan)
    if not isinstance(plan, Plan):
        raise InputError("merge.plan_kind", kind=type(plan).__name__)
    return (plan.at_level(level) if level is not None else plan), None
