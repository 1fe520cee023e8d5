"""Benchmark geoplan against mapshaper, geopandas and PostGIS on the real Vietnam data.

    .venv/bin/python benchmarks/run.py [--reps 3] [--jobs A,B,C,D] [--data ../shared/data/vn]

Prints one table (also written to benchmarks/out/results.md). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import measure  # noqa: E402
import peers  # noqa: E402
from measure import Failed, Timing  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
COARSE_TOLERANCE = 0.002  # degrees, coverage_simplify of new_communes_2025 for job A.coarse


@dataclass
class Row:
    job: str
    tool: str
    timing: Timing | None = None
    reason: str | None = None
    quality: dict | None = None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- jobs

def dissolve_tools(pg: peers.PostGIS, extra: bool = False) -> dict:
    """Tools for a dissolve job: name -> f(src, field, out_stem) -> (path, Timing)."""
    tmp = OUT / "tmp"
    tools = {
        "geoplan": lambda s, f, o: peers.geoplan_dissolve(s, f, o.with_suffix(".gpkg")),
        "mapshaper": lambda s, f, o: peers.mapshaper(peers.mapshaper_input(s, tmp), f, o.with_suffix(".gpkg")),
    }
    if extra:
        tools["mapshaper gap-fill-area=1km2"] = lambda s, f, o: peers.mapshaper(
            peers.mapshaper_input(s, tmp), f, o.with_suffix(".gpkg"), gap_fill="1km2")
    tools |= {
        "geopandas dissolve": lambda s, f, o: peers.geopandas(s, f, o.with_suffix(".gpkg")),
        "geopandas dissolve coverage": lambda s, f, o: peers.geopandas(s, f, o.with_suffix(".gpkg"), "coverage"),
        "PostGIS ST_Union": lambda s, f, o: pg.union(s, f, o.with_suffix(".csv")),
        "PostGIS ST_CoverageUnion": lambda s, f, o: pg.union(s, f, o.with_suffix(".csv"), "ST_CoverageUnion"),
    }
    return tools


def coarse_layer(data: Path) -> Path:
    """new_communes_2025 coverage-simplified further (untimed, cached in out/tmp)."""
    path = OUT / "tmp" / f"new_communes_2025_coarse_{COARSE_TOLERANCE}.gpkg"
    if not path.exists():
        import geopandas as gpd
        import shapely

        path.parent.mkdir(parents=True, exist_ok=True)
        gdf = gpd.read_file(data / "new_communes_2025.gpkg")
        gdf["geometry"] = shapely.coverage_simplify(gdf.geometry.values, COARSE_TOLERANCE)
        gdf.to_file(path, driver="GPKG")
    return path


def input_info(src: Path) -> dict:
    """Quality and vertex count of an input, cached by name, size and mtime."""
    cache_path = OUT / "input_quality.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    st = src.stat()
    key = f"{src.name}:{st.st_size}:{int(st.st_mtime)}"
    if key not in cache:
        import shapely

        gdf = measure.read_units(src)
        cache[key] = measure.coverage_quality(gdf) | {
            "vertices": int(shapely.get_num_coordinates(gdf.geometry.values).sum())}
        cache_path.write_text(json.dumps(cache, indent=1))
    return cache[key]


def run_in_turns(job: str, tools: dict, reps: int) -> dict[str, tuple[Row, Path | None]]:
    """Run each tool (name -> f() -> (output path, Timing)) once untimed, then ``reps`` times:
    each repetition runs every tool once, starting one tool further each time, so that drift on
    the machine (and whatever a tool leaves running) weighs on all tools alike. A tool that fails
    is not run again and gets no timing. Returns per tool its row (median time, range) and output."""
    names = list(tools)
    runs: dict[str, list] = {tool: [] for tool in names}
    failed: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for tool in names:  # warm-up, untimed: every tool then finds the input in the page cache, its program loaded
        try:
            tools[tool]()
        except Failed as exc:
            failed[tool] = str(exc)
        settle(0.5)
    for rep in range(reps):
        for tool in names[rep % len(names):] + names[:rep % len(names)]:
            if tool in failed:
                continue
            try:
                paths[tool], timing = tools[tool]()
            except Failed as exc:
                failed[tool] = str(exc)
                continue
            finally:
                settle(0.5)  # what a tool leaves to write goes to disk before the next one starts
            runs[tool].append(timing)
            print(f"  {job:9} {tool:30} {timing.wall_s:7.2f} s  {timing.peak_mib or 0:7.0f} MiB", flush=True)
    out = {}
    for tool in names:
        row = Row(job, tool, reason=failed.get(tool))
        if runs[tool] and tool not in failed:
            row.timing = measure.median_timing(runs[tool])
            if len(runs[tool]) > 1:
                row.notes.append(f"range {min(r.wall_s for r in runs[tool]):.2f}-{max(r.wall_s for r in runs[tool]):.2f} s")
        out[tool] = (row, None if tool in failed else paths.get(tool))
    return out


def add_quality(row: Row, path: Path | None, base: dict) -> None:
    """Measure the output's quality; area difference vs the input's."""
    if path is None:
        return
    try:
        row.quality = measure.coverage_quality(measure.read_units(path))
        row.quality["area_diff_pct"] = 100 * (row.quality["area_km2"] - base["area_km2"]) / base["area_km2"]
    except Exception as exc:  # a broken output is a result too
        row.notes.append(f"quality not measurable: {measure.short_reason(str(exc))}")


def settle(seconds: float = 2.0) -> None:
    """Let the disk writes of untimed setup (database load, conversions) finish before timing."""
    os.sync()
    time.sleep(seconds)


def run_dissolve(job: str, src: Path, by: str, tools: dict, reps: int, rows: list[Row], pg: peers.PostGIS) -> None:
    """The tools of a dissolve job in turns (:func:`run_in_turns`), after the untimed setup."""
    base = input_info(src)
    rows.append(Row(job, "(input)", quality=base | {"area_diff_pct": 0.0},
                    notes=[f"{src.name}, {base['vertices']:,} vertices, dissolve by {by}"]))
    try:
        pg.start()
        pg.load(src, by)  # untimed, before any tool runs
    except Failed:
        pass  # the PostGIS rows report it
    settle()

    def stem(tool: str) -> Path:
        return OUT / "results" / f"{job}_{tool}".replace(".", "_").replace(" ", "_").replace("=", "")

    timed = run_in_turns(job, {tool: lambda fn=fn, tool=tool: fn(src, by, stem(tool)) for tool, fn in tools.items()}, reps)
    for row, path in timed.values():
        add_quality(row, path, base)
        rows.append(row)


def run_merge(data: Path, reps: int, rows: list[Row]) -> Path | None:
    """Job C: geoplan merge of the old communes with the 2025 plan (geoplan only)."""
    src = data / "old_communes_c2013.gpkg"
    base = input_info(src)
    out = OUT / "results" / "C_geoplan.gpkg"
    args = ["merge", str(src), "vn-2025-commune", "-o", str(out), "--pop-field", "pop2019_vn_demographic"]
    rows.append(Row("C", "(input)", quality=base | {"area_diff_pct": 0.0},
                    notes=[f"{src.name}, plan vn-2025-commune -> 3,321 communes"]))
    row, path = run_in_turns("C", {"geoplan": lambda: peers.geoplan(args, out)}, reps)["geoplan"]
    add_quality(row, path, base)
    rows.append(row)
    rows.append(Row("C", "peers", reason="N/A: no peer applies an old->new plan with partial links"))
    return path


def run_map(data: Path, merged: Path | None, c_reason: str | None, reps: int, rows: list[Row]) -> None:
    """Job D: geoplan map of job C's output; size of the HTML."""
    if merged is None:
        rows.append(Row("D", "geoplan", reason=f"needs job C output ({c_reason})"))
        return
    html = OUT / "results" / "D_geoplan.html"
    args = ["map", str(merged), "--old", str(data / "old_communes_c2013.gpkg"), "-o", str(html)]
    row, path = run_in_turns("D", {"geoplan": lambda: peers.geoplan(args, html)}, reps)["geoplan"]
    if path is not None:
        row.notes.append(f"HTML {path.stat().st_size / 2**20:.1f} MiB")
        map_size = HERE / "map_size.py"
        if map_size.exists():
            try:
                spec = importlib.util.spec_from_file_location("map_size", map_size)
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                info = mod.measure_map(str(path))
                row.notes.append(", ".join(f"{k}={v}" for k, v in info.items() if k != "path"))
            except Exception as exc:
                row.notes.append(f"map_size failed: {measure.short_reason(str(exc))}")
        else:
            row.notes.append("map_size: not available")
    rows.append(row)


# ---------------------------------------------------------------- table

def _f(v, fmt):
    return "-" if v is None else format(v, fmt)


def table(rows: list[Row]) -> str:
    head = ["job", "tool", "time s", "peak MiB", "geoplan/peer time", "geoplan/peer mem", "units", "valid",
            "holes", "gaps (km2)", "overlaps (km2)", "area diff %", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    gp = {r.job: r.timing for r in rows if r.tool == "geoplan" and r.timing}
    for r in rows:
        t, q, g = r.timing, r.quality or {}, gp.get(r.job)
        ratio_t = f"{g.wall_s / t.wall_s:.2f}" if t and g and r.tool != "geoplan" else "-"
        ratio_m = (f"{g.peak_mib / t.peak_mib:.2f}" if t and g and t.peak_mib and g.peak_mib
                   and r.tool != "geoplan" else "-")
        time_cell = "failed" if r.reason and not r.reason.startswith("N/A") else _f(t and t.wall_s, ".2f")
        notes = ([("FAILED: " if time_cell == "failed" else "") + r.reason] if r.reason else []) + r.notes
        cells = [r.job, r.tool, time_cell, _f(t and t.peak_mib, ".0f"), ratio_t, ratio_m,
                 _f(q.get("n_units"), ","), _f(q.get("valid_share"), ".0%"), _f(q.get("holes"), ","),
                 f"{q['gaps']:,} ({q['gaps_km2']:.1f})" if q else "-",
                 f"{q['overlaps']:,} ({q['overlaps_km2']:.1f})" if q else "-",
                 _f(q.get("area_diff_pct"), "+.3f"), "; ".join(notes).replace("|", "/")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def scaling(rows: list[Row], sizes: dict) -> str:
    """Job A time per tool at each resolution (how time grows with input size)."""
    jobs = [j for j in ("A.coarse", "A.mid", "A") if j in sizes]
    if len(jobs) < 2:
        return ""
    lines = ["| tool | " + " | ".join(f"{j} ({sizes[j]:,} vertices)" for j in jobs) + " |",
             "|" + "---|" * (len(jobs) + 1)]
    tools = [r.tool for r in rows if r.job == "A" and r.tool != "(input)"]
    for tool in tools:
        cells = []
        for j in jobs:
            r = next((r for r in rows if r.job == j and r.tool == tool), None)
            cells.append(f"{r.timing.wall_s:.2f} s" if r and r.timing else "failed")
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                   if ln.startswith("MemTotal"))) / 2**20
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.platform()}"


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions per tool, after one untimed (default 5)")
    ap.add_argument("--jobs", default="A,B,C,D",
                    help="comma list of jobs: A (with A.mid, A.coarse), A.mid, A.coarse, B, C, D")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "vn")
    args = ap.parse_args(argv)
    data = args.data.resolve()
    if not data.is_dir():
        print(f"data folder {data} not found", file=sys.stderr)
        return 2
    wanted = {j.strip() for j in args.jobs.split(",") if j.strip()}
    sel = lambda j: j in wanted or j.split(".")[0] in wanted  # noqa: E731
    (OUT / "results").mkdir(parents=True, exist_ok=True)
    t0, rows, load0 = time.perf_counter(), [], os.getloadavg()[0]
    pg = peers.PostGIS(OUT)
    try:
        a_inputs = {"A.coarse": None, "A.mid": data / "new_communes_2025.gpkg",
                    "A": data / "new_communes_2025_detailed.gpkg"}
        for job, src in a_inputs.items():
            if sel(job):
                print(f"job {job}", flush=True)
                run_dissolve(job, src or coarse_layer(data), "province_code", dissolve_tools(pg), args.reps, rows, pg)
        if sel("B"):
            print("job B", flush=True)
            run_dissolve("B", data / "old_communes_c2013.gpkg", "province_id",
                         dissolve_tools(pg, extra=True), args.reps, rows, pg)
        merged, c_reason = None, "job C not selected"
        if sel("C") or sel("D"):
            print("job C", flush=True)
            c_rows: list[Row] = []
            merged = run_merge(data, args.reps if sel("C") else 1, c_rows)
            c_reason = next((r.reason for r in c_rows if r.tool == "geoplan"), None)
            if sel("C"):
                rows += c_rows
        if sel("D"):
            print("job D", flush=True)
            run_map(data, merged, c_reason, args.reps, rows)
    finally:
        pg.stop()
    total = time.perf_counter() - t0
    sizes = {r.job: (r.quality or {}).get("vertices") for r in rows if r.tool == "(input)"}
    sizes = {k: v for k, v in sizes.items() if v}
    report = "\n\n".join(filter(None, [
        f"# geoplan benchmark, {dt.date.today()}",
        f"Machine: {machine()}. Repetitions: {args.reps} (median). Total run: {total:.0f} s. "
        f"Load average (1 min) at start {load0:.2f}, at end {os.getloadavg()[0]:.2f}.",
        table(rows),
        "### Job A: time vs input size\n\n" + scaling(rows, sizes) if scaling(rows, sizes) else "",
        "Notes: time is the whole process timed from outside (read + work + write), except PostGIS: "
        "SQL only (psql \\timing), data loaded beforehand. Peak MiB: max RSS of the largest process "
        "(GNU time -v), for PostGIS the server backend's VmHWM. geoplan/peer < 1 means geoplan is "
        "faster / smaller. Quality is measured from each output file the same way for every tool "
        "(benchmarks/measure.py); area diff vs the input's summed unit areas.",
        "Setup (untimed):\n\n" + "\n".join(f"- {s}" for s in peers.SETUP_LOG) if peers.SETUP_LOG else "",
    ]))
    print("\n" + report)
    (OUT / "results.md").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
