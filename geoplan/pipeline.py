"""The one pipeline, shared by the Python API and the CLI: read -> link -> merge (pieces) -> measure.

Each step is a call on the objects the step before produced (see
``../shared/GUIDE.md``): the options (:class:`geoplan.merging.options.MergeOptions`),
the prepared old layer, its links and placement, the crosswalk of pieces, the
engine's clean units, the measured units, lineage, repairs and report.

>>> import geoplan
>>> result = geoplan.merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic")  # doctest: +SKIP
>>> result.units[["code", "name", "area_km2", "population"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context

import geopandas as gpd
import numpy as np
import pandas as pd

from .crosswalk.bounds import count_bounds
from .crosswalk.features import features_table
from .crosswalk.lineage import lineage_table
from .crosswalk.table import COLUMNS, feature_units
from .crosswalk.units import units_table
from .engine.dissolve import crs_units, dissolve_clean, in_lonlat
from .engine.quality import gaps_left
from .errors import GeoplanError, InputError
from .i18n import Message, render
from .link.infer import detached
from .link.names import exact_key
from .measure.area import METRES_PER_DEGREE
from .measure.estimate import with_population_estimate
from .merging.audit import audit_links
from .merging.inputs import MergeInputs
from .merging.lines import read_lines, split_by_lines
from .merging.options import DEFAULT_GAP_WIDTH_M, MergeOptions
from .merging.pieces import Cutting, repaired, whole_pieces, whole_shapes, with_parts
from .merging.split import SPLIT_LOG_NONE, split_pieces
from .merging.weights import Weights
from .merging.place import Placement, link, place
from .merging.repairs import counted_twice_km2, repairs_table
from .merging.report import MergeReport, MergeSteps
from .merging.result import MergeResult
from .plan.catalogue import known_renames
from .plan.model import Plan

__all__ = ["merge", "MergeOptions", "MergeResult", "DEFAULT_GAP_WIDTH_M"]


def merge(old: gpd.GeoDataFrame, plan: Plan | str | os.PathLike, options: MergeOptions | None = None, *,
          progress=None, **changes) -> MergeResult:
    """Merge old polygons into the new units of ``plan`` and measure them.

    Parameters
    ----------
    old : GeoDataFrame of the old units' polygons, any CRS; never modified.
    plan : a Plan, a plan file (CSV, JSON, dvhcvn JSON: give ``level``) or a
        built-in plan name (``"vn-2025-commune"``, see ``geoplan plans``).
    options : a :class:`~geoplan.merging.options.MergeOptions` (fields to link by,
        counts to sum, aliases, gap width in metres, declared figures, level);
        its fields may also be given as keywords (``pop_field="pop2019"``),
        which change those of ``options``.
    progress : function called with a line of text as each step starts.

    Raises InputError for arguments, fields or data that cannot be used,
    PlanError for a malformed plan, LinkError when the layer and the plan do
    not match at all, ConservationError when totals are not conserved,
    :class:`~geoplan.engine.arrange.CapacityError` for a layer too large for
    one arrangement and ArrangementError for a defect of the engine (all are
    GeoplanError; the engine's name the layer's file).

    >>> result = merge(old, "vn-2025-commune", pop_field="pop2019_vn_demographic")  # doctest: +SKIP
    >>> result.units.set_index("code").loc["30502", ["area_km2", "population"]].round(1).tolist()  # doctest: +SKIP
    [50.2, 24705.0]
    """
    options = MergeOptions.build(options, **changes)
    say = _teller(progress)
    inputs = MergeInputs.gather(old, plan, options)
    inputs.layer.areas_km2, inputs.layer.measurable  # noqa: B018 (cached now: the threads below read them)
    held = inputs.holdings  # the reference's holdings of the old polygons, measured meanwhile
    placement = _placed(inputs, held.result if held else None, say)
    with ThreadPoolExecutor(2) as pool:  # the engine releases the GIL: the bookkeeping runs beside it
        if options.splits:  # the engine waits for the divided units to be cut
            pieces, shapes, split_log = _split(inputs, *whole_pieces(inputs.layer, placement, inputs.plan, options),
                                               say)
            engine = _start_engine(pool, inputs, shapes, pieces["new_code"].to_numpy(), say)
        else:  # whole features: the engine starts at once, the pieces are measured beside it
            engine = _start_engine(pool, inputs, *whole_shapes(inputs.layer, placement), say)
            (pieces, shapes), split_log = whole_pieces(inputs.layer, placement, inputs.plan, options), SPLIT_LOG_NONE
        lineage = lineage_table(pieces, inputs.plan, inputs.counts)
        apart = _detached(inputs, pieces)
        audit = audit_links(inputs.layer, placement, inputs.plan, inputs.reference, held.result()) if held else None
        try:
            dissolved = engine.result()
        except GeoplanError as error:  # the engine's limits and defects, said of the layer's file
            raise type(error)("merge.engine_failed", path=inputs.layer.label, reason=error.message) from None
    if dissolved.repaired:  # invalid polygons were made valid: what they bring is their repaired area
        pieces = repaired(pieces, shapes, dissolved.repaired, inputs.layer.crs)
        lineage = lineage_table(pieces, inputs.plan, inputs.counts)
    say(Message("merge.progress_measuring"))
    lonlat, late = _in_lonlat(dissolved.units, inputs)
    with ThreadPoolExecutor(2) as pool:
        repairs = pool.submit(_repairs, [split_log, dissolved.repairs], late, inputs.layer.crs)
        left = pool.submit(gaps_left, lonlat.to_numpy())  # of the units as written
        units = with_population_estimate(_units(inputs, lonlat, pieces), inputs.plan, pieces,
                                         inputs.options)  # census shares controlled to the parents' declared totals
        steps = MergeSteps(inputs.layer, inputs.plan, options, placement, pieces, units, repairs.result(),
                           counted_twice_km2(dissolved.overlaps), left.result(), apart, audit)
    crosswalk = pieces[[*COLUMNS, *inputs.counts, *(["pop_share"] if "population" in inputs.counts else []),
                        "geometry"]]
    return MergeResult(units, crosswalk, lineage, steps.repairs, MergeReport.of(steps), placement.links,
                       features_table(pieces, placement.links, apart, inputs.layer.fids, inputs.layer.lonlat), audit)


def _start_engine(pool: ThreadPoolExecutor, inputs: MergeInputs, shapes: np.ndarray, codes: np.ndarray, say):
    """The engine's clean dissolve of ``shapes`` by new code, started in ``pool`` (progress in the caller's language)."""
    return pool.submit(copy_context().run, dissolve_clean, shapes, codes, inputs.options.gap_width_m, inputs.layer.crs,
                       say)


def _placed(inputs: MergeInputs, holdings, say) -> Placement:
    """Link the features to the plan's old units and decide where each goes (``holdings``: see
    :func:`geoplan.merging.place.place`)."""
    layer, plan, aliases = inputs.layer, inputs.plan, inputs.options.aliases or {}
    links = link(layer, plan, {**known_renames(plan), **{exact_key(k): v for k, v in aliases.items()}})
    linked = links.table["old_code"].notna()
    # said once the layer and the plan are known to match: a mistake ends in its one line alone
    say(Message("merge.progress_linked", linked=int(linked.sum()), n=len(layer.frame), n_old=plan.n_old,
                fields=", ".join(render("merge.role_field", role=render(f"role.{role}"), field=name)
                                 for role, name in layer.fields.items() if name)))
    say(Message("merge.progress_placing", n=int((~linked & ~links.table["outside"]).sum())))
    return place(layer, links, plan, inputs.options.gap_width_m, holdings)


def _split(inputs: MergeInputs, pieces, shapes, say):
    """The pieces with the divided old units cut along the reference or the split lines, and the
    log of the rules applied (engine-style repairs of kind ``split``)."""
    options, layer, plan = inputs.options, inputs.layer, inputs.plan
    divided = int((pieces["basis"] == "approximate").sum())
    if inputs.reference is not None:
        reference = inputs.reference
        say(Message("merge.progress_splitting", n=divided, path=reference.label, field=reference.field,
                    units=len(reference.shapes)))
        parts, part_shapes, log = split_pieces(pieces, shapes, reference, plan,
                                               crs_units(options.gap_width_m, layer.crs), layer.crs.is_geographic)
    else:
        say(Message("merge.progress_splitting_lines", n=divided))
        parts, part_shapes, log = split_by_lines(pieces, shapes, read_lines(options.split_lines, layer.crs), plan,
                                                 layer.crs, options.gap_width_m)
    weights = Weights.read(options.weights, layer.crs, options.weight_field) if options.weights is not None else None
    basis = "split:reference" if inputs.reference is not None else "split:lines"
    return (*with_parts(pieces, shapes, parts, part_shapes, Cutting(plan, layer.crs, inputs.counts, weights, basis)),
            log)


def _in_lonlat(units_geom: gpd.GeoSeries, inputs: MergeInputs) -> tuple[gpd.GeoSeries, gpd.GeoDataFrame]:
    """The engine's units in lon/lat, and the repairs that took (see :func:`geoplan.engine.dissolve.in_lonlat`)."""
    geoms, late = in_lonlat(units_geom, inputs.layer.crs, inputs.options.gap_width_m)
    return gpd.GeoSeries(geoms, index=units_geom.index, crs="EPSG:4326"), late


def _repairs(logs: list, late: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """The repairs table of the split's and the engine's logs (in the layer's CRS) and of the
    lon/lat pass (see :func:`_in_lonlat`)."""
    tables = [repairs_table(log, crs) for log in logs if len(log)] + ([repairs_table(late, "EPSG:4326")] if len(late) else [])
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0] if tables else repairs_table(late, "EPSG:4326")


def _units(inputs: MergeInputs, units_geom, pieces) -> gpd.GeoDataFrame:
    """The measured new units (``units_geom`` in lon/lat); with a split, the bounds of their counts beside them."""
    units = units_table(units_geom, "EPSG:4326", pieces, inputs.plan, inputs.counts, inputs.declared)
    if not inputs.options.splits or not inputs.counts:
        return units
    bounds = count_bounds(pieces, inputs.plan.links, inputs.counts)
    return units.join(bounds, on="code")


def _teller(progress):
    """A function that passes each progress message to ``progress`` as text (or does nothing)."""
    if progress is None:
        return lambda message: None
    if not callable(progress):
        raise InputError("merge.progress_kind")
    return lambda message: progress(str(message))


def _detached(inputs: MergeInputs, pieces) -> np.ndarray:
    """Features lying apart from the rest of their new unit (never in a dissolve by a field,
    where polygons apart are islands)."""
    layer = inputs.layer
    if inputs.plan.by_field:
        return np.zeros(len(layer.frame), dtype=bool)
    return detached(layer.lonlat, feature_units(pieces, len(layer.frame)), inputs.options.gap_width_m / METRES_PER_DEGREE)
