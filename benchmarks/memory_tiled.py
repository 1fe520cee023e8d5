"""Peak memory of a dissolve on the national layer tiled 1, 5 and 10 times (issue 18: at most about
250 bytes per input vertex, time still linear).

    .venv/bin/python benchmarks/memory_tiled.py [--tiles 1,5,10] [--vs OTHER_GEOPLAN] [--data ../shared/data/vn]

The old communes (c.2013, 11,163 polygons) are copied side by side in lon/lat, five copies a
row, 9 degrees of longitude and 16 of latitude apart (they never touch), each copy's provinces a
group of their own; ``geoplan merge TILED --by tile_group`` dissolves them into provinces. Each
run is a whole process timed from outside, its peak resident memory read by GNU time. ``--vs``
names another geoplan executable (an older checkout) run on the same layers, in turn.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

import measure

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "tmp"


def tiled_layer(source: Path, tiles: int) -> tuple[Path, int]:
    """The layer of ``tiles`` copies of ``source`` (written once under benchmarks/out/tmp) and its vertex count."""
    path = OUT / f"tiled_x{tiles}.gpkg"
    base = gpd.read_file(source, columns=["province_id"])
    if not path.exists():
        copies = [base.assign(tile_group=base["province_id"].astype("int64") + 1000 * k,
                              geometry=base.geometry.translate(9.0 * (k % 5), 16.0 * (k // 5))) for k in range(tiles)]
        OUT.mkdir(parents=True, exist_ok=True)
        gpd.GeoDataFrame(pd.concat(copies, ignore_index=True), crs=base.crs).to_file(path, driver="GPKG")
    return path, int(shapely.get_num_coordinates(base.geometry.to_numpy()).sum()) * tiles


def run(geoplan: str, layer: Path, tiles: int) -> measure.Timing:
    out = OUT / f"tiled_x{tiles}_out.gpkg"
    return measure.run_timed([geoplan, "merge", str(layer), "--by", "tile_group", "-o", str(out), "--quiet"], timeout=1800)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiles", default="1,5,10")
    ap.add_argument("--vs", help="another geoplan executable, run in turn on the same layers")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "vn")
    args = ap.parse_args()
    tools = {"geoplan": str(ROOT / ".venv" / "bin" / "geoplan"), **({"vs": args.vs} if args.vs else {})}
    print("| tiles | vertices | tool | time s | peak MiB | bytes per vertex |")
    print("|---|---|---|---|---|---|")
    for tiles in [int(t) for t in args.tiles.split(",")]:
        layer, vertices = tiled_layer(args.data / "old_communes_c2013.gpkg", tiles)
        for name, executable in tools.items():
            timing = run(executable, layer, tiles)
            per_vertex = timing.peak_mib * 2**20 / vertices
            print(f"| x{tiles} | {vertices:,} | {name} | {timing.wall_s:.2f} | {timing.peak_mib:.0f} | {per_vertex:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
