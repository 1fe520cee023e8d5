"""Compare two merge results layer by layer: do they hold the same units, lineage and repairs?

    .venv/bin/python benchmarks/same_results.py BEFORE.gpkg AFTER.gpkg [--area-tol 1e-9]

Used to check that a refactoring changed nothing: units (codes, names, areas to
``--area-tol`` km2, populations and every count), lineage rows, repairs (kind, rule,
receiving unit, area) and the features layer. Prints one line per layer and exits 1
when any differs.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
import pyogrio

KEYS = {"units": ["code"], "lineage": ["old_code", "new_code", "link"], "features": ["feature"],
        "repairs": ["kind", "rule", "receiving_code", "other_codes", "area_km2"]}


def _read(path: str, layer: str) -> pd.DataFrame | None:
    layers = {name for name, _ in pyogrio.list_layers(path)}
    return pyogrio.read_dataframe(path, layer=layer, read_geometry=False) if layer in layers else None


def _differences(before: pd.DataFrame, after: pd.DataFrame, keys: list[str], area_tol: float) -> list[str]:
    """What differs between two versions of a layer, in words (empty when nothing does)."""
    out = []
    shared = [c for c in before.columns if c in after.columns]
    for side, frame, other in (("before", before, after), ("after", after, before)):
        extra = sorted(set(frame.columns) - set(other.columns))
        if extra:
            out.append(f"columns only {side}: {', '.join(extra)}")
    if len(before) != len(after):
        out.append(f"{len(before):,} rows before, {len(after):,} after")
        return out
    sort = [k for k in keys if k in shared]
    if "area_km2" in sort:  # repairs: areas rounded so that tiny float noise does not reorder them
        before, after = before.assign(area_km2=before["area_km2"].round(9)), after.assign(area_km2=after["area_km2"].round(9))
    b = before.sort_values(sort, kind="stable").reset_index(drop=True) if sort else before
    a = after.sort_values(sort, kind="stable").reset_index(drop=True) if sort else after
    for column in shared:
        x, y = b[column], a[column]
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            x, y = pd.to_numeric(x, errors="coerce"), pd.to_numeric(y, errors="coerce")
            tol = area_tol if column.endswith("km2") else 1e-9 * np.maximum(1, np.abs(x))
            bad = ~((x.isna() & y.isna()) | (np.abs(x - y) <= tol))
        else:
            bad = ~((x.isna() & y.isna()) | (x.astype(str) == y.astype(str)))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            out.append(f"column {column}: {int(bad.sum()):,} rows differ (first: {x.iloc[i]!r} -> {y.iloc[i]!r})")
    return out


def compare(before: str, after: str, area_tol: float = 1e-9) -> bool:
    """Print one line per layer; True when every layer is the same."""
    same = True
    for layer, keys in KEYS.items():
        b, a = _read(before, layer), _read(after, layer)
        if b is None or a is None:
            print(f"{layer}: {'missing before' if b is None else ''} {'missing after' if a is None else ''}".strip())
            same &= b is None and a is None
            continue
        found = _differences(b, a, keys, area_tol)
        print(f"{layer}: " + ("same" if not found else "; ".join(found)) + f" ({len(b):,} rows)")
        same &= not found
    return same


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--area-tol", type=float, default=1e-9, help="km2")
    args = parser.parse_args()
    sys.exit(0 if compare(args.before, args.after, args.area_tol) else 1)
