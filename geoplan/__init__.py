"""geoplan: merge old administrative units into new ones, measure, check and map them.

>>> import geoplan
>>> plan = geoplan.read_plan("vn-2025-province")  # a built-in plan, or a CSV / JSON file
>>> plan.n_old, plan.n_new
(63, 34)
>>> result = geoplan.merge(geoplan.read_layer("old.gpkg"), plan)  # doctest: +SKIP
>>> result.units.head()  # doctest: +SKIP

Heavy libraries load on first use, so ``geoplan --help`` answers at once.
Importing geoplan registers the legacy Vietnamese codecs ``tcvn3`` and ``vni``.
"""

from importlib import import_module

from .vn import encodings  # noqa: F401 (light: registers the tcvn3 and vni codecs)

__version__ = "0.1.0"

_EXPORTS = {
    "merge": "pipeline",
    "assign": "assigning.job",
    "assign_file": "assigning.job",
    "AssignOptions": "assigning.options",
    "transfer": "crosswalk.transfer",
    "TransferOptions": "crosswalk.transfer",
    "MergeResult": "merging.result",
    "MergeOptions": "merging.options",
    "read_plan": "plan.catalogue",
    "Plan": "plan.model",
    "plan_from_field": "plan.model",
    "read_layer": "io.layers",
    "read_result": "io.result",
    "area_km2": "measure.area",
    "link_features": "link.match",
    "read_aliases": "link.aliases",
    "dissolve_clean": "engine.dissolve",
    "coverage_quality": "engine.quality",
    "write_result": "io.result",
    "review_map": "maps.review",
    "write_review_map": "maps.review",
    "read_declared": "check.declared",
    "compare": "check.compare",
    "run_check": "check.report",
    "find_units": "link.find",
    "GeoplanError": "errors",
    "InputError": "errors",
    "PlanError": "errors",
    "LinkError": "errors",
    "ConservationError": "errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'geoplan' has no attribute {name!r}")
