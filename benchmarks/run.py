"""Benchmark geoplan against its peers on the real Vietnam data (and synthetic data placed in it).

mapshaper, geopandas and PostGIS (jobs A-B), tobler and a raw-shapely baseline (E),
dask-geopandas and DuckDB (F):

    .venv/bin/python benchmarks/run.py [--reps 3] [--jobs A,B,C,D,E,F] [--reps-f 1] [--data ../shared/data/vn]

Prints one table (also written to benchmarks/out/results.md). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import extra_peers  # noqa: E402
import measure  # noqa: E402
import measure_ef  # noqa: E402
import job_transfer  # noqa: E402
import peers  # noqa: E402
import synth  # noqa: E402
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
    runs: list = field(default_factory=list)  # the timed runs (Timing or extra_peers.TreeTiming)


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


def run_in_turns(job: str, tools: dict, reps: int, warmup: bool = True) -> dict[str, tuple[Row, Path | None]]:
    """Run each tool (name -> f() -> (output path, Timing)) once untimed, then ``reps`` times:
    each repetition runs every tool once, starting one tool further each time, so that drift on
    the machine (and whatever a tool leaves running) weighs on all tools alike. A tool that fails
    is not run again and gets no timing. Returns per tool its row (median time, range) and output.
    Without ``warmup`` (job F, whose runs last up to minutes) the untimed run is skipped."""
    names = list(tools)
    runs: dict[str, list] = {tool: [] for tool in names}
    failed: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for tool in names if warmup else []:  # warm-up, untimed: every tool then finds the input in the page cache, its program loaded
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
        row = Row(job, tool, reason=failed.get(tool), runs=runs[tool])
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


def run_merge(data: Path, reps: int, rows: list[Row], job: str = "C") -> Path | None:
    """Job C: geoplan merge of the old communes with the 2025 plan (geoplan only); job C.ref: the
    same with the official map of the new communes as reference (divided communes split, plan audited)."""
    src = data / "old_communes_c2013.gpkg"
    base = input_info(src)
    out = OUT / "results" / f"{job.replace('.', '_')}_geoplan.gpkg"
    args = ["merge", str(src), "vn-2025-commune", "-o", str(out), "--pop-field", "pop2019_vn_demographic"]
    if job == "C.ref":
        args += ["--reference", str(data / "new_communes_2025.gpkg"), "--reference-code", "code"]
    rows.append(Row(job, "(input)", quality=base | {"area_diff_pct": 0.0},
                    notes=[f"{src.name}, plan vn-2025-commune -> 3,321 communes"
                           + (", --reference new_communes_2025.gpkg" if job == "C.ref" else "")]))
    row, path = run_in_turns(job, {"geoplan": lambda: peers.geoplan(args, out)}, reps)["geoplan"]
    add_quality(row, path, base)
    rows.append(row)
    rows.append(Row(job, "peers", reason="N/A: no peer applies an old->new plan with partial links"))
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


# ---------------------------------------------------------------- jobs E and F

def pre_read(*paths: Path) -> None:
    """Read the inputs once, untimed, so that every tool finds them in the page cache."""
    for path in paths:
        for f in ([path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())):
            with open(f, "rb") as fh:
                while fh.read(1 << 24):
                    pass


def stem_of(job: str, tool: str) -> Path:
    return OUT / "results" / "".join(c if c.isalnum() else "_" for c in f"{job}_{tool}").strip("_")


def tree_notes(row: Row) -> None:
    """Step times reported by the tool itself (median run), for the notes."""
    runs = [r for r in row.runs if getattr(r, "info", None)]
    if not runs:
        return
    mid = sorted(runs, key=lambda r: r.wall_s)[len(runs) // 2]
    steps = mid.info.get("steps") or {}
    if steps:
        row.notes.append("steps " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()) + " s")
    extra = {k: v for k, v in mid.info.items() if k not in ("steps", "rows")}
    if extra:
        row.notes.append(", ".join(f"{k}={v}" for k, v in extra.items()))


def tree_mib(row: Row) -> float | None:
    vals = [r.tree_mib for r in row.runs if getattr(r, "tree_mib", None)]
    return statistics.median(vals) if vals else None


def run_overlay(data: Path, reps: int, rows: list[Row], pg: extra_peers.PostGISOverlay,
                env: extra_peers.PeerEnv) -> None:
    """Job E: every piece (old commune i, new commune j) with its geometry and area."""
    old, new = data / "old_communes_c2013.gpkg", data / "new_communes_2025.gpkg"
    cache = OUT / "input_quality.json"
    old_km2, new_km2 = measure_ef.layer_area_km2(old, cache), measure_ef.layer_area_km2(new, cache)
    rows.append(Row("E", "(input)", quality={"old_km2": old_km2, "new_km2": new_km2},
                    notes=[f"{old.name} (11,163) x {new.name} (3,321); geodesic areas: old {old_km2:,.0f} km2, "
                           f"new {new_km2:,.0f} km2"]))
    try:
        pg.start()
        pg.load_layer(old, "e_old")
        pg.load_layer(new, "e_new", "code")
        plan = pg.plan()
        pg.warm("e_old", "e_new")
    except Failed:
        plan = None  # the PostGIS row reports it
    try:
        env.need("tobler")
    except Failed:
        pass
    pre_read(old, new)
    settle()
    py = extra_peers.PY
    tools = {
        "geoplan": lambda o: extra_peers.geoplan_assign(old, new, o.with_suffix(".gpkg")),
        "geopandas overlay": lambda o: extra_peers.child(py, "overlay-geopandas", [old, new, o.with_suffix(".gpkg")],
                                                         o.with_suffix(".gpkg")),
        "tobler area table": lambda o: extra_peers.child(env.need("tobler"), "overlay-tobler",
                                                         [old, new, o.with_suffix(".parquet")], o.with_suffix(".parquet")),
        "PostGIS ST_Intersection": lambda o: pg.overlay(old, new, o.with_suffix(".csv")),
        "raw shapely (baseline)": lambda o: extra_peers.child(py, "overlay-shapely",
                                                              [old, new, o.with_suffix(".gpkg"), "--clip"],
                                                              o.with_suffix(".gpkg")),
    }
    timed = run_in_turns("E", {t: lambda fn=fn, t=t: fn(stem_of("E", t)) for t, fn in tools.items()}, reps,
                         warmup=False)
    for tool, (row, path) in timed.items():
        tree_notes(row)
        if tool.startswith("PostGIS") and plan:
            row.notes.append(plan)
        if path is not None:
            try:
                row.quality = measure_ef.pieces_quality(path, old_km2, new_km2)
            except Exception as exc:  # a broken output is a result too
                row.notes.append(f"quality not measurable: {measure.short_reason(str(exc))}")
        rows.append(row)


def run_assign(data: Path, reps: int, rows: list[Row], env: extra_peers.PeerEnv, parts: set[str]) -> None:
    """Job F: synthetic points (F.points) and buildings (F.polygons) assigned to the new communes;
    F.mem: geoplan's memory on 10 vs 50 million points."""
    units = data / "new_communes_2025.gpkg"
    n_points, n_buildings = 10_000_000, 1_000_000
    log = lambda msg: (print("  " + msg, flush=True), peers.SETUP_LOG.append(msg))  # noqa: E731
    if "F.points" in parts or "F.mem" in parts:
        points = synth.make(data, n_points, "points", with_parts=True, log=log)
    if "F.points" in parts:
        for group in ("dask", "duckdb"):
            try:
                env.need(group)
            except Failed:
                pass
        pre_read(points, synth.parts_dir(points), units)
        settle()
        engine = lambda w: ["--engine", "dask", "--workers", str(w)]  # noqa: E731
        pq = lambda o: o.with_suffix(".parquet")  # noqa: E731
        tools = {
            "geoplan": lambda o: extra_peers.geoplan_assign(points, units, pq(o)),
            "geoplan --engine dask --workers 1": lambda o: extra_peers.geoplan_assign(points, units, pq(o), engine(1)),
            "geoplan --engine dask --workers 2": lambda o: extra_peers.geoplan_assign(points, units, pq(o), engine(2)),
            "geopandas sjoin within": lambda o: extra_peers.child(
                extra_peers.PY, "sjoin-geopandas", [points, units, pq(o), "--predicate", "within"], pq(o)),
            "dask-geopandas sjoin, 1 worker": lambda o: extra_peers.child(
                env.need("dask"), "sjoin-dask", [synth.parts_dir(points), units, o, "--workers", 1], o),
            "dask-geopandas sjoin, 2 workers": lambda o: extra_peers.child(
                env.need("dask"), "sjoin-dask", [synth.parts_dir(points), units, o, "--workers", 2], o),
            "DuckDB spatial join": lambda o: extra_peers.child(
                env.need("duckdb"), "sjoin-duckdb", [points, units, pq(o), "--ext", env.duckdb_spatial()], pq(o)),
        }
        _assign_rows("F.points", tools, reps, n_points, rows,
                     lambda p: measure_ef.assign_quality(p, synth.truth_path(points), n_points),
                     f"{points.name}: {n_points:,} points (GeoParquet, WKB) in {units.name}")
    if "F.polygons" in parts:
        buildings = synth.make(data, n_buildings, "buildings", log=log)
        try:
            env.need("duckdb")
        except Failed:
            pass
        b_km2 = measure_ef.buildings_area_km2(buildings)
        pre_read(buildings, units)
        settle()
        pq = lambda o: o.with_suffix(".parquet")  # noqa: E731
        tools = {
            "geoplan": lambda o: extra_peers.geoplan_assign(buildings, units, pq(o)),
            "geopandas overlay": lambda o: extra_peers.child(
                extra_peers.PY, "overlay-geopandas", [buildings, units, pq(o)], pq(o)),
            "DuckDB ST_Intersection": lambda o: extra_peers.child(
                env.need("duckdb"), "overlay-duckdb", [buildings, units, pq(o), "--ext", env.duckdb_spatial()], pq(o)),
        }
        _assign_rows("F.polygons", tools, reps, n_buildings, rows,
                     lambda p: measure_ef.overlay_assign_quality(p, synth.truth_path(buildings), n_buildings, b_km2),
                     f"{buildings.name}: {n_buildings:,} rectangles of 5-30 m ({b_km2:,.1f} km2) cut by {units.name}")
        rows.append(Row("F.polygons", "dask-geopandas", reason="N/A: its sjoin does not cut polygons (no overlay)"))
    if "F.mem" in parts:
        big = synth.make(data, 50_000_000, "points", log=log)
        tools = {f"geoplan {label} points": lambda o, src=src: extra_peers.geoplan_assign(src, units, o.with_suffix(".parquet"))
                 for label, src in (("10M", points), ("50M", big))}
        timed = run_in_turns("F.mem", {t: lambda fn=fn, t=t: fn(stem_of("F.mem", t)) for t, fn in tools.items()},
                             reps, warmup=False)
        for tool, (row, path) in timed.items():
            row.quality = {"features": n_points if "10M" in tool else 50_000_000}
            if path is not None:
                try:
                    import pyarrow.dataset as ds

                    row.quality["rows"] = ds.dataset(path, format="parquet").count_rows()
                except Exception as exc:  # a broken output is a result too
                    row.notes.append(f"output not readable: {measure.short_reason(str(exc))}")
            rows.append(row)


def _assign_rows(job: str, tools: dict, reps: int, n: int, rows: list[Row], quality, note: str) -> None:
    rows.append(Row(job, "(input)", quality={"features": n}, notes=[note]))
    timed = run_in_turns(job, {t: lambda fn=fn, t=t: fn(stem_of(job, t)) for t, fn in tools.items()}, reps,
                         warmup=False)
    for row, path in timed.values():
        tree_notes(row)
        row.quality = {"features": n}
        if path is not None:
            try:
                row.quality |= quality(path)
            except Exception as exc:  # a broken output is a result too
                row.notes.append(f"quality not measurable: {measure.short_reason(str(exc))}")
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


def _ratios(r: Row, g: Timing | None) -> tuple[str, str]:
    t = r.timing
    if not (t and g) or r.tool.startswith("geoplan"):
        return "-", "-"
    mem = f"{g.peak_mib / t.peak_mib:.2f}" if t.peak_mib and g.peak_mib else "-"
    return f"{g.wall_s / t.wall_s:.2f}", mem


def _time_cell(r: Row) -> str:
    return "failed" if r.reason and not r.reason.startswith("N/A") else _f(r.timing and r.timing.wall_s, ".2f")


def _notes(r: Row, cell: str) -> str:
    return "; ".join(([("FAILED: " if cell == "failed" else "") + r.reason] if r.reason else []) + r.notes).replace("|", "/")


def overlay_table(rows: list[Row]) -> str:
    """Job E: time, memory, ratios and the pieces' quality."""
    head = ["job", "tool", "time s", "peak MiB", "geoplan/peer time", "geoplan/peer mem", "pieces", "pairs",
            "valid", "area vs old %", "area vs new %", "slivers <100 m2", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    g = next((r.timing for r in rows if r.tool == "geoplan" and r.timing), None)
    for r in rows:
        q, t = r.quality or {}, r.timing
        cell = _time_cell(r)
        if r.tool == "(input)":
            cells = [r.job, r.tool, "-", "-", "-", "-", "-", "-", "-", "+0.000", _f(
                100 * (q["old_km2"] - q["new_km2"]) / q["new_km2"], "+.3f"), "-", _notes(r, "")]
        else:
            rt, rm = _ratios(r, g)
            notes = _notes(r, cell)
            if q.get("own_area_diff_pct") is not None:
                notes += f"; own area_km2 vs geodesic {q['own_area_diff_pct']:+.4f}%"
            if q.get("non_polygonal"):
                notes += f"; {q['non_polygonal']:,} non-polygonal pieces"
            cells = [r.job, r.tool, cell, _f(t and t.peak_mib, ".0f"), rt, rm, _f(q.get("pieces"), ","),
                     _f(q.get("pairs"), ","), _f(q.get("valid_share"), ".2%"), _f(q.get("area_vs_old_pct"), "+.3f"),
                     _f(q.get("area_vs_new_pct"), "+.3f"), _f(q.get("slivers"), ","), notes.lstrip("; ")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def assign_table(rows: list[Row]) -> str:
    """Job F: time, features per second, memory (largest process and whole process tree), ratios,
    and what was assigned."""
    head = ["job", "tool", "time s", "features/s", "peak MiB", "tree MiB", "geoplan/peer time", "geoplan/peer mem",
            "rows", "assigned", "unassigned", "extra rows / split", "agree %", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    gp = {r.job: r.timing for r in rows if r.tool == "geoplan" and r.timing}
    for r in rows:
        q, t = r.quality or {}, r.timing
        cell = _time_cell(r)
        rt, rm = _ratios(r, gp.get(r.job))
        notes = _notes(r, cell)
        if q.get("valid_share") is not None:
            notes += f"; valid {q['valid_share']:.2%}"
        if q.get("area_diff_pct") is not None:
            notes += f"; area vs buildings {q['area_diff_pct']:+.4f}%"
        fps = f"{q['features'] / t.wall_s:,.0f}" if t and q.get("features") else "-"
        cells = [r.job, r.tool, cell if r.tool != "(input)" else "-", fps, _f(t and t.peak_mib, ".0f"),
                 _f(tree_mib(r), ".0f"), rt, rm, _f(q.get("rows"), ","), _f(q.get("assigned"), ","),
                 _f(q.get("unassigned"), ","), _f(q.get("extra_rows"), ","), _f(q.get("agree_pct"), ".3f"),
                 notes.lstrip("; ")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    if any(r.job == "F.mem" for r in rows):
        mem = {r.tool: r.timing for r in rows if r.job == "F.mem" and r.timing}
        a, b = mem.get("geoplan 10M points"), mem.get("geoplan 50M points")
        if a and b and a.peak_mib and b.peak_mib:
            lines.append(f"\nF.mem: 50M / 10M points: time x{b.wall_s / a.wall_s:.2f}, peak memory x{b.peak_mib / a.peak_mib:.2f}"
                         " (a streaming assign keeps the second near 1).")
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

def byte_compile_geoplan() -> None:
    """geoplan byte-compiled once, untimed, as pip does for the peers' packages when it installs
    them: geoplan is installed editable, and where PYTHONDONTWRITEBYTECODE is set (as on the CI
    machine) Python never caches its bytecode, so every timed run would compile its modules
    again (about 0.3 s of each command's start)."""
    import compileall

    compileall.compile_dir(ROOT / "geoplan", quiet=1)
    peers.SETUP_LOG.append("geoplan byte-compiled (python -m compileall geoplan), as pip does for installed packages")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions per tool, after one untimed (default 5)")
    ap.add_argument("--jobs", default="A,B,C,D,E,F,G",
                    help="comma list of jobs: A (with A.mid, A.coarse), A.mid, A.coarse, B, C (with C.ref: "
                         "the merge with --reference), C.ref, D, E, "
                         "F (F.points and F.polygons), F.points, F.polygons, F.mem (only when named: "
                         "geoplan on 10M vs 50M points), G (50 columns carried onto the new communes: "
                         "geoplan transfer vs tobler's area_interpolate)")
    ap.add_argument("--reps-f", type=int, default=1,
                    help="timed repetitions per tool in job F, without an untimed one (default 1: "
                         "its runs last up to minutes)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "vn")
    args = ap.parse_args(argv)
    data = args.data.resolve()
    if not data.is_dir():
        print(f"data folder {data} not found", file=sys.stderr)
        return 2
    wanted = {j.strip() for j in args.jobs.split(",") if j.strip()}
    sel = lambda j: j in wanted or (j.split(".")[0] in wanted and j != "F.mem")  # noqa: E731
    (OUT / "results").mkdir(parents=True, exist_ok=True)
    byte_compile_geoplan()
    t0, rows, load0 = time.perf_counter(), [], os.getloadavg()[0]
    pg = extra_peers.PostGISOverlay(OUT)  # peers.PostGIS, with the overlay of job E
    env = extra_peers.PeerEnv()  # tobler, dask-geopandas, DuckDB: installed when a job needs them
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
        if sel("C.ref"):
            print("job C.ref", flush=True)
            run_merge(data, args.reps, rows, "C.ref")
        if sel("D"):
            print("job D", flush=True)
            run_map(data, merged, c_reason, args.reps, rows)
        if sel("E"):
            print("job E", flush=True)
            run_overlay(data, args.reps, rows, pg, env)
        if sel("G"):
            print("job G", flush=True)
            job_transfer.run_transfer_job(data, args.reps, rows, env)
        f_parts = {j for j in ("F.points", "F.polygons", "F.mem") if sel(j)}
        if f_parts:
            print("job " + ", ".join(sorted(f_parts)), flush=True)
            run_assign(data, args.reps_f, rows, env, f_parts)
    finally:
        pg.stop()
    total = time.perf_counter() - t0
    sizes = {r.job: (r.quality or {}).get("vertices") for r in rows if r.tool == "(input)"}
    sizes = {k: v for k, v in sizes.items() if v}
    dissolve_rows = [r for r in rows if r.job[0] in "ABCD"]
    e_rows = [r for r in rows if r.job == "E"]
    f_rows = [r for r in rows if r.job.startswith("F")]
    g_rows = [r for r in rows if r.job == "G"]
    report = "\n\n".join(filter(None, [
        f"# geoplan benchmark, {dt.date.today()}",
        f"Machine: {machine()}. Repetitions: {args.reps} (median), job F: {args.reps_f}. Total run: {total:.0f} s. "
        f"Load average (1 min) at start {load0:.2f}, at end {os.getloadavg()[0]:.2f}.",
        table(dissolve_rows) if dissolve_rows else "",
        "### Job A: time vs input size\n\n" + scaling(rows, sizes) if scaling(rows, sizes) else "",
        "Notes: time is the whole process timed from outside (read + work + write), except PostGIS: "
        "SQL only (psql \\timing), data loaded beforehand. Peak MiB: max RSS of the largest process "
        "(GNU time -v), for PostGIS the server backend's VmHWM. geoplan/peer < 1 means geoplan is "
        "faster / smaller. Quality is measured from each output file the same way for every tool "
        "(benchmarks/measure.py); area diff vs the input's summed unit areas." if dissolve_rows else "",
        "### Job E: overlay of the old and the new communes\n\n" + overlay_table(e_rows) if e_rows else "",
        "Job E: pieces = rows with a non-empty geometry (tobler: area > 0, it gives no geometry); pairs = "
        "distinct (old row, new code); valid = shapely.is_valid; areas geodesic (geoplan.area_km2, as in "
        "measure.py; tobler: its own table, in an equal-area projection), summed against the old layer's "
        "and the new layer's summed areas (the old layer overlaps itself and has gaps); slivers = pieces "
        "under 100 m2." if e_rows else "",
        "### Job F: assign at scale (synthetic features in the new communes)\n\n" + assign_table(f_rows)
        if f_rows else "",
        "Job F: features/s = input features / time; peak MiB = largest process (GNU time), tree MiB = peak "
        "of the summed RSS of the whole process tree (dask's scheduler and workers), sampled every "
        f"{extra_peers.SAMPLE_S} s. rows = output rows; assigned = features with a unit; extra rows = rows "
        "beyond one per feature (points in two overlapping units) or, for polygons, buildings cut into "
        "several pieces; agree = features given (also) the commune they were drawn in." if f_rows else "",
        "### Job G: 50 columns onto the new communes (geoplan transfer vs tobler area_interpolate)\n\n"
        + table(g_rows) if g_rows else "",
        "Setup (untimed):\n\n" + "\n".join(f"- {s}" for s in peers.SETUP_LOG) if peers.SETUP_LOG else "",
    ]))
    print("\n" + report)
    (OUT / "results.md").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
