"""How close merged new communes are to the official 2025 polygons: overlap (IoU) and area error.

    .venv/bin/python benchmarks/overlap_with_official.py RESULT.gpkg [--before OTHER.gpkg] [--data ../shared/data/vn]

The regression measure of ../shared/GUIDE.md ("How we audit"): for every unit of a commune
result, the intersection over union with the official polygon of the same code
(`new_communes_2025.gpkg`) and the relative area error. Units are grouped as the split
issue groups them: those touched by a divided old unit (``--before``: the units that were
approximate in another result, e.g. the same merge without --reference) and those made
only of whole old units.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from geoplan.measure.area import area_km2  # noqa: E402


def overlaps(result: Path, official: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per unit of ``result``: code, name, approximate, area_km2, official_km2, iou, area_error."""
    units = gpd.read_file(result, layer="units").set_index("code")
    theirs = official.set_index("code").geometry.reindex(units.index)
    ours = units.geometry.to_numpy()
    known = ~theirs.isna().to_numpy()
    inter = np.full(len(units), np.nan)
    union = np.full(len(units), np.nan)
    inter[known] = area_km2(shapely.intersection(ours[known], theirs.to_numpy()[known]))
    union[known] = area_km2(shapely.union(ours[known], theirs.to_numpy()[known]))
    official_km2 = np.full(len(units), np.nan)
    official_km2[known] = area_km2(theirs.to_numpy()[known])
    return pd.DataFrame({"name": units["name"], "approximate": units["approximate"].astype(bool),
                         "area_km2": units["area_km2"], "official_km2": official_km2, "iou": inter / union,
                         "area_error": (units["area_km2"].to_numpy() - official_km2) / official_km2}, index=units.index)


def describe(table: pd.DataFrame, rows: pd.Index, label: str) -> str:
    """One line: how many units, median IoU and area error, how many over 25% off."""
    part = table.loc[table.index.intersection(rows)]
    off = part["area_error"].abs()
    return (f"{label}: {len(part):,} units, median IoU {part['iou'].median():.3f}, median area error "
            f"{off.median():.1%}, {int((off > 0.25).sum()):,} more than 25% off, "
            f"{int(part['approximate'].sum()):,} still approximate")


def whole_units_moved(table: pd.DataFrame, before: pd.DataFrame, whole: pd.Index, result: Path, other: Path) -> str:
    """How far the units of whole old units moved from ``other`` to ``result``: those that hold
    the same old features in both (only the gaps filled beside them can differ), and those that
    received or lost a feature (an inferred one the reference placed), with their area error."""
    features = [gpd.read_file(path, layer="crosswalk", ignore_geometry=True).groupby("new_code")["feature"]
                .apply(frozenset).reindex(whole) for path in (result, other)]
    same = whole[(features[0] == features[1]).to_numpy()]
    moved = (table["area_km2"] / before["area_km2"] - 1).abs()
    changed = whole.difference(same)
    error = [t.loc[changed, "area_error"].abs().median() for t in (before, table)]
    return (f"whole units: {len(whole):,}; {len(same):,} hold the same old features, their area moved by at most "
            f"{moved[same].max():.2%} (median {moved[same].median():.4%}: gaps filled beside a split unit); "
            f"{len(changed):,} received or lost a feature, median area error {error[0]:.1%} -> {error[1]:.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result")
    parser.add_argument("--before", help="a result whose approximate units define the group of divided units")
    parser.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data" / "vn"))
    args = parser.parse_args()
    official = gpd.read_file(Path(args.data) / "new_communes_2025.gpkg")
    table = overlaps(Path(args.result), official)
    before = overlaps(Path(args.before), official) if args.before else table
    touched = before.index[before["approximate"]]
    print(describe(table, touched, "units touched by a divided old unit"))
    print(describe(table, table.index.difference(touched), "units of whole old units only"))
    if args.before:
        whole = table.index.difference(touched).intersection(before.index)
        print(whole_units_moved(table, before, whole, Path(args.result), Path(args.before)))
    for name in ("Xã Phan Rí Cửa", "Xã Minh Châu"):
        for code, row in table[table["name"] == name].iterrows():
            print(f"{code} {name}: {row['area_km2']:,.1f} km2, official {row['official_km2']:,.1f} km2 "
                  f"({row['area_error']:+.1%}), IoU {row['iou']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
