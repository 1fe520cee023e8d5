"""Timing, peak memory and output quality, measured the same way for every tool."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = "/usr/bin/time"

# Fallback when GNU time is missing: a fresh Python process runs the command and
# reports its children's peak RSS (ru_maxrss, KiB on Linux) on stderr's last line.
_RUSAGE_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[1:])\n"
    "print('maxrss_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


class Failed(Exception):
    """A tool failed; the message is the short reason shown in the table."""


@dataclass
class Timing:
    """One run: wall seconds and peak RSS (MiB) of the largest process in the tree."""

    wall_s: float
    peak_mib: float | None


def short_reason(text: str, limit: int = 130) -> str:
    """The most telling line of an error output, shortened."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("Command being timed", "maxrss_kib"))]
    if not lines:
        return "no output"
    keys = ("Exception", "Error", "error", "ERROR", "not found", "No such", "does not exist")
    hits = [ln for ln in lines if any(k in ln for k in keys)]
    line = (hits or lines)[-1]
    line = re.sub(r"(?:/[^\s/:]+)+/([^\s/:]+)", r"\1", line)  # paths -> file names
    line = re.sub(r"^(psql:\S+ )?(ERROR:\s+|[\w.]+\.(?=\w+(Error|Exception):))", "", line)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def run_timed(cmd: list[str], timeout: float = 600, env: dict | None = None) -> Timing:
    """Run cmd in a fresh process tree; time it from outside; raise Failed on error."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        if os.path.exists(GNU_TIME):
            full = [GNU_TIME, "-v", "-o", tf.name, *cmd]
        else:
            full = [sys.executable, "-c", _RUSAGE_WRAPPER, *cmd]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise Failed(f"timeout after {timeout:.0f} s") from None
        except FileNotFoundError as exc:
            raise Failed(f"not installed: {exc.filename}") from None
        wall = time.perf_counter() - t0
        report = Path(tf.name).read_text() + proc.stderr
    if proc.returncode != 0:
        raise Failed(short_reason(proc.stderr + "\n" + proc.stdout))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)|maxrss_kib (\d+)", report)
    peak = int(m.group(1) or m.group(2)) / 1024 if m else None
    return Timing(wall, peak)


def median_timing(runs: list[Timing]) -> Timing:
    """Median wall time and median peak memory over repetitions."""
    peaks = [r.peak_mib for r in runs if r.peak_mib is not None]
    return Timing(statistics.median(r.wall_s for r in runs), statistics.median(peaks) if peaks else None)


# ---------------------------------------------------------------- quality

def read_units(path: Path):
    """Read a tool's output (GeoPackage layer `units` if present, GeoJSON, or CSV of hex WKB)."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    path = Path(path)
    if path.suffix == ".csv":
        df = pd.read_csv(path)
        return gpd.GeoDataFrame(df.drop(columns="wkb"), geometry=shapely.from_wkb(df["wkb"]), crs=4326)
    layers = [name for name, _ in pyogrio.list_layers(path)]
    return gpd.read_file(path, layer="units" if "units" in layers else layers[0])


def coverage_quality(gdf) -> dict:
    """Quality of a set of units: the one definition in ``geoplan.quality``, for every tool."""
    from geoplan.engine.quality import coverage_quality as measure

    return measure(gdf.geometry.to_numpy())


def which(name: str) -> str | None:
    """shutil.which, exported for the harness."""
    return shutil.which(name)
