"""Tools of jobs E (overlay) and F (assign at scale): one function per tool, each running it
once and returning (output path, TreeTiming). Setup (the peers' Python environment, the
database load, DuckDB's spatial extension) happens outside the timed region, once.

The Python peers (tobler, dask-geopandas + distributed, DuckDB + its spatial extension) are
installed, when missing, into their own environment ``benchmarks/.tools/pyenv`` (git-ignored)
with the same numpy, pandas, shapely, geopandas, pyarrow, pyogrio and pyproj versions as
geoplan's ``.venv`` (pip constraints), so that geoplan's environment is never changed.
geopandas and the raw-shapely baseline run in ``.venv`` itself.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

try:
    from measure import GNU_TIME, Failed, Timing, short_reason
    from peers import PY, ROOT, SETUP_LOG, TOOLS, PostGIS, _setup  # noqa: F401 (PY: for run.py)
except ImportError:  # imported as benchmarks.extra_peers
    from .measure import GNU_TIME, Failed, Timing, short_reason
    from .peers import PY, ROOT, SETUP_LOG, TOOLS, PostGIS, _setup  # noqa: F401

HERE = Path(__file__).resolve().parent
CHILDREN = str(HERE / "children.py")
PEER_ENV = TOOLS / "pyenv"
PEER_PY = PEER_ENV / "bin" / "python"
# Same versions as geoplan's environment (read from it at install time):
CORE = ["numpy", "pandas", "shapely", "geopandas", "pyarrow", "pyogrio", "pyproj"]
# The peers, pinned (the newest that install with CORE on Python 3.11 here). DuckDB is pinned to
# the newest version for which a PyPI package ships the spatial extension (duckdb-extension-spatial).
PEER_GROUPS = {
    "tobler": ["tobler==0.13.0"],
    "dask": ["dask==2026.8.0", "distributed==2026.8.0", "dask-geopandas==0.5.0"],
    "duckdb": ["duckdb==1.5.5", "duckdb-extension-spatial==1.5.5"],
}
WARM_IMPORTS = {
    "tobler": "import tobler.area_weighted.area_interpolate",
    "dask": "import dask_geopandas, distributed, dask.dataframe",
    "duckdb": "import duckdb, duckdb_extension_spatial",
}
SAMPLE_S = 0.2  # how often the process tree's memory is sampled


@dataclass
class TreeTiming(Timing):
    """A Timing (wall time, peak RSS of the largest process) plus the peak of the summed RSS
    of the whole process tree (sampled every SAMPLE_S) and what the tool said on its last line."""

    tree_mib: float | None = None
    info: dict = field(default_factory=dict)


# ---------------------------------------------------------------- timing with the process tree

def _tree_rss_kib(root: int) -> int:
    """Summed VmRSS of ``root`` and all its descendants (shared pages counted in each)."""
    total, todo, page_kib = 0, [root], os.sysconf("SC_PAGE_SIZE") // 1024
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page_kib
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_tree(cmd: list[str], timeout: float = 1800, env: dict | None = None) -> TreeTiming:
    """Run cmd in a fresh process tree under GNU time (peak RSS of the largest process, as the
    other jobs), sample the whole tree's RSS meanwhile, raise Failed with the reason on error.
    The tool's last stdout line, if JSON, becomes ``info``."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, \
            tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        full = [GNU_TIME, "-v", "-o", tf.name, *cmd] if os.path.exists(GNU_TIME) else cmd
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(full, stdout=out, stderr=err, env=env)
        except FileNotFoundError as exc:
            raise Failed(f"not installed: {exc.filename}") from None
        peak = [0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(SAMPLE_S):
                peak[0] = max(peak[0], _tree_rss_kib(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise Failed(f"timeout after {timeout:.0f} s") from None
        finally:
            stop.set()
            sampler.join()
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        report = Path(tf.name).read_text()
    if rc != 0:
        raise Failed(short_reason(stderr + "\n" + stdout))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    largest = int(m.group(1)) / 1024 if m else None
    info = {}
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    if last.startswith("{"):
        try:
            info = json.loads(last)
        except ValueError:
            pass
    tree = max(peak[0] / 1024, largest or 0) or None
    return TreeTiming(wall, largest, tree, info)


# ---------------------------------------------------------------- the peers' environment

class PeerEnv:
    """benchmarks/.tools/pyenv: created and filled by pip when missing (untimed), one group of
    peers at a time, so that a group that cannot be installed fails only its own rows."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.ready: set[str] = set()
        self.checked = False
        self.duckdb_ext: str | None = None
        self.duckdb_error: str | None = None

    @staticmethod
    def _has(specs: list[str]) -> bool:
        """Whether the peers' environment has exactly these ``name==version``."""
        if not PEER_PY.exists():
            return False
        code = ("import importlib.metadata as m, sys; want = dict(a.split('==') for a in sys.argv[1:]);"
                "sys.exit(any(m.version(k) != v for k, v in want.items()))")
        return subprocess.run([str(PEER_PY), "-c", code, *specs], capture_output=True).returncode == 0

    def install(self) -> None:
        if self.checked:
            return
        self.checked = True
        core = [f"{name}=={importlib.metadata.version(name)}" for name in CORE]
        try:
            if not PEER_PY.exists():
                TOOLS.mkdir(parents=True, exist_ok=True)
                _setup([sys.executable, "-m", "venv", str(PEER_ENV)], "python -m venv benchmarks/.tools/pyenv")
            constraints = PEER_ENV / "constraints.txt"
            constraints.write_text("\n".join(core) + "\n")
            if not self._has(core):
                _setup([str(PEER_PY), "-m", "pip", "install", "-q", "-c", str(constraints), *core],
                       "pip install " + " ".join(core))
        except Failed as exc:
            for group in PEER_GROUPS:
                self.errors[group] = str(exc)
            return
        for group, specs in PEER_GROUPS.items():
            if self._has(specs):
                self.ready.add(group)
                continue
            try:
                _setup([str(PEER_PY), "-m", "pip", "install", "-q", "-c", str(constraints), *specs],
                       "pip install " + " ".join(specs))
                self.ready.add(group)
            except Failed as exc:
                self.errors[group] = str(exc)
        for group in sorted(self.ready):  # imported once, untimed: byte-compiled, in the page cache
            r = subprocess.run([str(PEER_PY), "-c", WARM_IMPORTS[group]], capture_output=True, text=True)
            if r.returncode:
                self.ready.discard(group)
                self.errors[group] = "import: " + short_reason(r.stderr)
        versions = subprocess.run(
            [str(PEER_PY), "-c", "import importlib.metadata as m\nfor p in ['tobler', 'dask', 'distributed', "
             "'dask-geopandas', 'duckdb', 'duckdb-extension-spatial', 'geopandas', 'shapely', 'pandas']:\n"
             "    try: print(p, m.version(p))\n    except Exception: pass"], capture_output=True, text=True)
        SETUP_LOG.append("peers' environment benchmarks/.tools/pyenv: " + ", ".join(versions.stdout.split("\n")[:-1]))

    def need(self, group: str) -> str:
        """The peers' python, once ``group`` is installed; raise Failed otherwise."""
        self.install()
        if group not in self.ready:
            raise Failed(self.errors.get(group, f"{group} not installed"))
        return str(PEER_PY)

    def duckdb_spatial(self) -> str:
        """What DuckDB's spatial extension is loaded from (probe once, untimed)."""
        py = self.need("duckdb")
        if self.duckdb_ext is None and self.duckdb_error is None:
            r = subprocess.run([py, CHILDREN, "duckdb-probe"], capture_output=True, text=True, timeout=300,
                               cwd=tempfile.gettempdir())
            try:
                info = json.loads(r.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                self.duckdb_error = "probe: " + short_reason(r.stderr + r.stdout)
            else:
                if info.get("ext"):
                    self.duckdb_ext = info["ext"]
                    SETUP_LOG.append(f"DuckDB {info['duckdb']} spatial extension: {info['how']} "
                                     f"({'; '.join(info['errors'])})")
                else:
                    self.duckdb_error = "no spatial extension: " + " / ".join(info["errors"])
        if self.duckdb_error:
            raise Failed(self.duckdb_error)
        return self.duckdb_ext


# ---------------------------------------------------------------- tools

def _clear(out: Path) -> None:
    if out.is_dir():
        import shutil

        shutil.rmtree(out)
    else:
        out.unlink(missing_ok=True)


def child(py: str, tool: str, args: list, out: Path) -> tuple[Path, TreeTiming]:
    """``python benchmarks/children.py TOOL ARGS`` in a fresh process."""
    _clear(out)
    timing = run_tree([py, CHILDREN, tool, *map(str, args)])
    if not out.exists():
        raise Failed(f"no output {out.name}")
    return out, timing


def geoplan_assign(src: Path, units: Path, out: Path, extra: list[str] | None = None) -> tuple[Path, TreeTiming]:
    """``.venv/bin/geoplan assign SRC UNITS -o OUT [EXTRA] --quiet`` (whole process)."""
    exe = ROOT / ".venv" / "bin" / "geoplan"
    if not exe.exists():
        raise Failed("geoplan CLI not installed in .venv")
    _clear(out)
    timing = run_tree([str(exe), "assign", str(src), str(units), "-o", str(out), *(extra or []), "--quiet"])
    if not out.exists():
        raise Failed(f"no output {out.name}")
    return out, timing


class PostGISOverlay(PostGIS):
    """The throwaway cluster of peers.PostGIS, with two layers loaded (row number, code, geometry,
    GiST indexes) and the overlay ST_Intersection over the ST_Intersects (&&) candidate pairs."""

    def load_layer(self, src: Path, table: str, code: str | None = None) -> None:
        """Load SRC as TABLE(id = row number, [code], geom) via COPY of hex WKB; untimed."""
        if table in self.tables.values():
            return
        import pyogrio
        import shapely

        t0 = time.perf_counter()
        gdf = pyogrio.read_dataframe(src, columns=[code] if code else [])
        gdf["id"] = range(len(gdf))
        cols = ["id"] + ([code] if code else [])
        csv = self.dir / f"{table}.csv"
        gdf.assign(wkb=shapely.to_wkb(gdf.geometry.values, hex=True, include_srid=False))[cols + ["wkb"]].to_csv(
            csv, index=False)
        coldefs = "id integer" + (", code text" if code else "")
        sql = (f"CREATE TABLE {table} ({coldefs}, wkb text);\n"
               f"\\copy {table} FROM '{csv}' CSV HEADER\n"
               f"ALTER TABLE {table} ADD COLUMN geom geometry(MultiPolygon, 4326);\n"
               f"UPDATE {table} SET geom = ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4326));\n"
               f"ALTER TABLE {table} DROP COLUMN wkb; CREATE INDEX ON {table} USING gist (geom);\n"
               f"VACUUM ANALYZE {table}; CHECKPOINT;\n")
        r = self._psql(sql)
        if r.returncode:
            raise Failed("load: " + short_reason(r.stderr))
        SETUP_LOG.append(f"loaded {src.name} into PostGIS table {table} with a GiST index ({time.perf_counter() - t0:.1f} s)")
        self.tables[f"{src}:{table}"] = table

    OVERLAY_SQL = ("CREATE TABLE pieces AS SELECT a.id, b.code, g.geom, ST_Area(g.geom::geography) / 1e6 AS area_km2\n"
                   "  FROM {a} a JOIN {b} b ON ST_Intersects(a.geom, b.geom),\n"
                   "       LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS geom) g\n"
                   "  WHERE NOT ST_IsEmpty(g.geom);\n")

    def overlay(self, old: Path, new: Path, out: Path) -> tuple[Path, TreeTiming]:
        """CREATE TABLE pieces AS ... ST_Intersection over ST_Intersects pairs, with the geodesic area
        (ST_Area of geography); time = SQL only (psql \\timing), memory = backend's VmHWM;
        the result exported untimed to a CSV of hex WKB."""
        self.start()
        self.load_layer(old, "e_old")
        self.load_layer(new, "e_new", "code")
        sql = ("DROP TABLE IF EXISTS pieces;\nCHECKPOINT;\n\\timing on\n" + self.OVERLAY_SQL.format(a="e_old", b="e_new")
               + "\\timing off\nSELECT 'VmHWM', pg_read_file('/proc/' || pg_backend_pid() || '/status');\n")
        r = self._psql(sql, timeout=1800)
        if r.returncode:
            raise Failed(short_reason(r.stderr))
        ms = re.search(r"Time: ([\d.]+) ms", r.stdout)
        kib = re.search(r"VmHWM:\s+(\d+) kB", r.stdout)
        timing = TreeTiming(float(ms.group(1)) / 1000, int(kib.group(1)) / 1024 if kib else None, None, {})
        csv = self.dir / "pieces.csv"
        r = self._psql(f"\\copy (SELECT id, code, area_km2, ST_AsHEXEWKB(geom) AS wkb FROM pieces) "
                       f"TO '{csv}' CSV HEADER\nCHECKPOINT;\n")
        if r.returncode:
            raise Failed("export: " + short_reason(r.stderr))
        import shutil

        shutil.copy(csv, out)
        return out, timing

    def warm(self, *tables: str) -> None:
        """Read the tables once (untimed), so that the first timed overlay finds them in the buffers."""
        self._psql("".join(f"SELECT sum(ST_NPoints(geom)) FROM {t};\n" for t in tables))

    def plan(self) -> str:
        """Whether the server runs the overlay with parallel workers (EXPLAIN, untimed)."""
        r = self._psql("EXPLAIN " + self.OVERLAY_SQL.format(a="e_old", b="e_new"))
        if r.returncode:
            return "plan: " + short_reason(r.stderr)
        workers = re.search(r"Workers Planned: (\d+)", r.stdout)
        return f"plan: {workers.group(1)} parallel worker(s) planned" if workers else "plan: no parallel worker"
