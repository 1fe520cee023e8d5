"""Job G: carry 50 columns kept per old commune onto the new communes: ``geoplan transfer`` against
tobler's ``area_interpolate`` on the same pair of layers, time and results.

    .venv/bin/python benchmarks/job_transfer.py [--reps 3] [--data ../shared/data/vn]

Setup (untimed, cached in benchmarks/out/tmp): the national commune merge (job C's command), 50
count columns per old polygon (column c00 the 2019 census, with its gaps; c01-c49 drawn at random,
seed 2025), written as a layer for tobler (the old polygons with their values) and as a table per
old unit for geoplan (the polygons of one plan member summed; code, name, district, province as the
old layer writes them). Timed, whole processes: geoplan transfer RESULT TABLE -o CSV (reads the
result's crosswalk, links the rows, carries, writes), and tobler 0.13 area_interpolate of the old
polygons onto the result's units in an equal-area projection (reads both layers, intersects every
pair, writes). Compared (untimed): totals against the source, units within 1 % of each other, and
the units geoplan leaves empty (an old unit without a census figure) that tobler fills silently.

From run.py, as job G: ``job_transfer.run_transfer_job(data, reps, rows, env)``; tobler comes from the
peers' environment of jobs E and F (``extra_peers.PeerEnv``, benchmarks/.tools/pyenv).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
TMP = OUT / "tmp"
N_COLUMNS = 50
SEED = 2025
EQUAL_AREA = "+proj=aea +lat_0=16 +lon_0=106 +lat_1=10 +lat_2=22 +datum=WGS84 +units=m +no_defs"


def columns() -> list[str]:
    return [f"c{i:02d}" for i in range(N_COLUMNS)]


def prepare(data: Path) -> dict[str, Path]:
    """The merge result, tobler's source layer and geoplan's table (untimed, made once)."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pyogrio

    TMP.mkdir(parents=True, exist_ok=True)
    paths = {"result": TMP / "G_communes.gpkg", "source": TMP / "G_source.gpkg", "table": TMP / "G_table.csv"}
    if all(p.exists() for p in paths.values()):
        return paths
    old_path = data / "old_communes_c2013.gpkg"
    subprocess.run([str(ROOT / ".venv" / "bin" / "geoplan"), "merge", str(old_path), "vn-2025-commune", "-o",
                    str(paths["result"]), "--pop-field", "pop2019_vn_demographic", "--quiet"], check=True,
                   capture_output=True)
    old = gpd.read_file(old_path)
    rng = np.random.default_rng(SEED)
    values = pd.DataFrame({name: rng.integers(0, 20_000, len(old)).astype(float) for name in columns()[1:]})
    values.insert(0, "c00", old["pop2019_vn_demographic"].astype(float).to_numpy())
    source = gpd.GeoDataFrame(values.assign(id=np.arange(len(old))), geometry=old.geometry.to_numpy(), crs=old.crs)
    source.to_file(paths["source"], driver="GPKG")
    features = pyogrio.read_dataframe(paths["result"], layer="features", read_geometry=False)
    layer = old[["gso_code_c2016", "commune_vn", "district_vn", "province_vn"]].reset_index(drop=True)
    rows = pd.concat([layer, values, features[["old_code", "new_code"]]], axis=1)
    rows = rows[rows["new_code"] != ""]
    members = rows[rows["old_code"] != ""].groupby("old_code").agg(
        name=("commune_vn", "first"), district=("district_vn", "first"), province=("province_vn", "first"),
        **{c: (c, lambda v: v.sum(min_count=1)) for c in columns()}).reset_index().rename(columns={"old_code": "code"})
    others = rows[rows["old_code"] == ""].rename(columns={"gso_code_c2016": "code", "commune_vn": "name",
                                                          "district_vn": "district", "province_vn": "province"})
    table = pd.concat([members, others[members.columns]], ignore_index=True)
    table.to_csv(paths["table"], index=False)
    return paths


def tobler_child(source: str, result: str, out: str) -> None:
    """In tobler's python: area_interpolate of the old polygons' 50 columns onto the result's units."""
    import geopandas as gpd
    import numpy as np
    from tobler.area_weighted import area_interpolate as function

    module = sys.modules[function.__module__]

    def zeroed(test):  # tobler 0.13 writes 0 into the column's array, which pandas 3 hands out read-only
        def check(df, column):
            values = df[column].to_numpy(dtype=float, copy=True)
            values[test(values)] = 0.0
            df[column] = values
            return values
        return check

    module._nan_check, module._inf_check = zeroed(np.isnan), zeroed(np.isinf)
    area_interpolate = module.area_interpolate
    old = gpd.read_file(source).to_crs(EQUAL_AREA)
    units = gpd.read_file(result, layer="units")[["code", "geometry"]].to_crs(EQUAL_AREA)
    estimates = area_interpolate(old, units, extensive_variables=columns())
    estimates.insert(0, "code", units["code"].to_numpy())
    estimates.drop(columns="geometry").to_csv(out, index=False)


def timed(cmd: list[str], out: Path):
    """(out, Timing) of a whole process (benchmarks/measure.py)."""
    import measure

    out.unlink(missing_ok=True)
    timing = measure.run_timed(cmd)
    if not out.exists():
        raise measure.Failed(f"no output {out.name}")
    return out, timing


def in_process(paths: dict[str, Path]) -> str:
    """geoplan's own time for the transfer (no start-up, no writing), and for the carrying alone."""
    import numpy as np

    import geoplan
    from geoplan.crosswalk.transfer import result_basis
    from geoplan.crosswalk.transfer_carry import Carrier

    geoplan.transfer(paths["result"], paths["table"])  # warm: imports, page cache
    start = time.perf_counter()
    geoplan.transfer(paths["result"], paths["table"])
    whole = time.perf_counter() - start
    basis = result_basis(paths["result"])
    values = np.random.default_rng(SEED).random((len(basis.old), N_COLUMNS))
    start = time.perf_counter()
    Carrier(basis, "population", "empty").sums(values)
    carry = time.perf_counter() - start
    return f"in process: transfer() {whole:.2f} s, of which carrying the 50 columns {carry * 1000:.0f} ms"


def compare(paths: dict[str, Path], geoplan_csv: Path | None, tobler_csv: Path | None) -> dict[str, list[str]]:
    """Notes per tool: totals against the source, agreement, units left empty or filled with 0."""
    import numpy as np
    import pandas as pd
    import pyogrio

    source = pyogrio.read_dataframe(paths["source"], read_geometry=False)
    notes: dict[str, list[str]] = {"geoplan": [], "tobler area_interpolate": []}
    frames = {}
    for tool, path in (("geoplan", geoplan_csv), ("tobler area_interpolate", tobler_csv)):
        if path is None:
            continue
        frames[tool] = frame = pd.read_csv(path, dtype={"code": str}).set_index("code")
        shown = frame["c01"].notna()
        notes[tool].append(f"c01 total {frame['c01'].sum() / source['c01'].sum():.4f} of the source's; "
                           f"{int(shown.sum()):,} units with a value")
    if len(frames) == 2:
        ours, theirs = frames["geoplan"], frames["tobler area_interpolate"]
        both = ours.index.intersection(theirs.index)
        known = both[ours.loc[both, "c01"].notna()]
        diff = (theirs.loc[known, "c01"] - ours.loc[known, "c01"]).abs() / ours.loc[known, "c01"].where(
            ours.loc[known, "c01"] > 0)
        filled = both[ours.loc[both, "c00"].isna() & theirs.loc[both, "c00"].notna()]
        notes["tobler area_interpolate"].append(
            f"c01 vs geoplan: {int((diff <= 0.01).sum()):,} of {len(known):,} units within 1 %, median difference "
            f"{np.nanmedian(diff):.2%}, largest {np.nanmax(diff):.0%}; c00 (census with gaps): {len(filled):,} units "
            f"geoplan leaves empty (coverage < 1) get a number from tobler (missing read as 0)")
    return notes


def run_transfer_job(data: Path, reps: int, rows: list, env) -> None:
    """Job G for run.py: geoplan transfer and tobler area_interpolate in turns, then their results compared;
    ``env``: the peers' environment of the other jobs (``extra_peers.PeerEnv``: tobler installed when missing)."""
    import measure
    from run import Row, run_in_turns

    paths = prepare(data)
    out = OUT / "results"
    out.mkdir(parents=True, exist_ok=True)
    geoplan_cmd = [str(ROOT / ".venv" / "bin" / "geoplan"), "transfer", str(paths["result"]), str(paths["table"]),
                   "-o", str(out / "G_geoplan.csv"), "--quiet"]
    tools = {"geoplan": lambda: timed(geoplan_cmd, out / "G_geoplan.csv")}
    try:
        tobler = env.need("tobler")
        tobler_cmd = [tobler, str(Path(__file__).resolve()), "--tobler-child", str(paths["source"]),
                      str(paths["result"]), str(out / "G_tobler.csv")]
        tools["tobler area_interpolate"] = lambda: timed(tobler_cmd, out / "G_tobler.csv")
    except measure.Failed as error:
        rows.append(Row("G", "tobler area_interpolate", reason=f"not installed: {error}"))
    rows.append(Row("G", "(input)", notes=[f"{N_COLUMNS} count columns per old commune (11,163 polygons; "
                                            f"table of {sum(1 for _ in open(paths['table'])) - 1:,} old units) "
                                            f"onto 3,321 new communes"]))
    timed_rows = run_in_turns("G", tools, reps)
    notes = compare(paths, timed_rows["geoplan"][1], timed_rows.get("tobler area_interpolate", (None, None))[1])
    for tool, (row, _) in timed_rows.items():
        row.notes += notes.get(tool, [])
        if tool == "geoplan":
            row.notes.append(in_process(paths))
        rows.append(row)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--tobler-child"]:
        tobler_child(*argv[1:4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "vn")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    import extra_peers
    import run

    rows: list = []
    run_transfer_job(args.data.resolve(), args.reps, rows, extra_peers.PeerEnv())
    print(run.table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
