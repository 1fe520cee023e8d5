"""The tools compared: one function per tool, each running it once and returning
(output path, Timing). Setup (installs, format conversion, database load) happens
outside the timed region. Run as a script, it is the geopandas child process:
    python benchmarks/peers.py geopandas SRC FIELD OUT [unary|coverage]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

try:
    from measure import Failed, Timing, run_timed, short_reason
except ImportError:  # imported as benchmarks.peers
    from .measure import Failed, Timing, run_timed, short_reason

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOOLS = HERE / ".tools"
MAPSHAPER_VERSION = "0.7.70"
MAPSHAPER = TOOLS / "node_modules" / "mapshaper" / "bin" / "mapshaper"
PY = str(ROOT / ".venv" / "bin" / "python")
if not os.path.exists(PY):
    PY = sys.executable

SETUP_LOG: list[str] = []  # install / conversion / load steps, shown in the notes


def _setup(cmd: list[str], what: str, timeout: float = 900) -> None:
    """Run an untimed setup command, log it, raise Failed with its reason."""
    SETUP_LOG.append("$ " + " ".join(cmd))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Failed(f"{what}: {exc}") from None
    if proc.returncode != 0:
        raise Failed(f"{what}: {short_reason(proc.stderr + proc.stdout)}")
    SETUP_LOG[-1] += f"   ({time.perf_counter() - t0:.1f} s)"


# ---------------------------------------------------------------- geoplan

def geoplan(args: list[str], out: Path) -> tuple[Path, Timing]:
    """`.venv/bin/geoplan ARGS` (whole process)."""
    exe = ROOT / ".venv" / "bin" / "geoplan"
    if not exe.exists():
        raise Failed("geoplan CLI not installed in .venv")
    out.unlink(missing_ok=True)
    timing = run_timed([str(exe), *args])
    if not out.exists():
        raise Failed(f"no output {out.name}")
    return out, timing


def geoplan_dissolve(src: Path, field: str, out: Path) -> tuple[Path, Timing]:
    """`geoplan merge SRC --by FIELD -o OUT.gpkg --quiet`."""
    return geoplan(["merge", str(src), "--by", field, "-o", str(out), "--quiet"], out)


# ---------------------------------------------------------------- mapshaper

_MS_INPUT: dict[Path, Path] = {}
_MS_ERROR: list[str] = []


def mapshaper_input(src: Path, tmp: Path) -> Path:
    """Install mapshaper if missing; return what it reads (the GeoPackage, else a GeoJSON copy)."""
    if src in _MS_INPUT:
        return _MS_INPUT[src]
    if _MS_ERROR:
        raise Failed(_MS_ERROR[0])
    try:
        if shutil.which("node") is None:
            raise Failed("node not installed")
        if not MAPSHAPER.exists():
            _setup(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOLS),
                    f"mapshaper@{MAPSHAPER_VERSION}"], "npm install mapshaper")
    except Failed as exc:
        _MS_ERROR.append(str(exc))  # do not retry the install for every job
        raise
    probe = subprocess.run(["node", str(MAPSHAPER), str(src), "-info"], capture_output=True, text=True)
    if probe.returncode == 0:
        _MS_INPUT[src] = src
        return src
    geojson = tmp / (src.stem + ".geojson")
    if not geojson.exists():
        t0 = time.perf_counter()
        import pyogrio

        pyogrio.write_dataframe(pyogrio.read_dataframe(src), geojson, driver="GeoJSON")
        SETUP_LOG.append(f"converted {src.name} to GeoJSON for mapshaper ({time.perf_counter() - t0:.1f} s)")
    _MS_INPUT[src] = geojson
    return geojson


def mapshaper(src: Path, field: str, out: Path, gap_fill: str | None = None) -> tuple[Path, Timing]:
    """`mapshaper SRC -dissolve FIELD [gap-fill-area=X] -o OUT.gpkg` (whole node process)."""
    cmd = ["node", str(MAPSHAPER), str(src), "-dissolve", field]
    if gap_fill:
        cmd.append(f"gap-fill-area={gap_fill}")
    out.unlink(missing_ok=True)
    return out, run_timed([*cmd, "-o", str(out), "-quiet"])


# ---------------------------------------------------------------- geopandas

def geopandas(src: Path, field: str, out: Path, method: str = "unary") -> tuple[Path, Timing]:
    """geopandas read + dissolve(by=FIELD[, method]) + write GeoPackage, in a fresh python process."""
    out.unlink(missing_ok=True)
    return out, run_timed([PY, str(Path(__file__).resolve()), "geopandas", str(src), field, str(out), method])


def _geopandas_child(src: str, field: str, out: str, method: str) -> None:
    import geopandas as gpd

    gdf = gpd.read_file(src)
    gpd_out = gdf[[field, "geometry"]].dissolve(by=field, method=method).reset_index()
    gpd_out.to_file(out, layer="units", driver="GPKG")


# ---------------------------------------------------------------- PostGIS

class PostGIS:
    """A throwaway cluster in benchmarks/out/pg, run as the postgres user over a unix socket."""

    PORT = "54329"

    def __init__(self, workdir: Path):
        self.dir = Path(workdir).resolve() / "pg"
        self.data = self.dir / "data"
        self.bin: Path | None = None
        self.started = False
        self.tables: dict[str, str] = {}
        self.error: str | None = None
        self.version = ""

    # -- setup, all untimed
    def _find_bin(self) -> Path | None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
        return found[-1].parent if found else None

    def _has_postgis(self) -> bool:
        major = self.bin.parts[-2]
        return Path(f"/usr/share/postgresql/{major}/extension/postgis.control").exists()

    def install(self) -> None:
        """apt-get install PostgreSQL and PostGIS when missing (needs root)."""
        self.bin = self._find_bin()
        if self.bin and self._has_postgis():
            return
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise Failed("PostGIS missing and cannot apt-get install (not root)")
        _setup(["apt-get", "update", "-q"], "apt-get update")
        if self.bin is None:
            _setup(["apt-get", "install", "-y", "-q", "postgresql"], "apt-get install postgresql")
            self.bin = self._find_bin()
        major = self.bin.parts[-2]
        _setup(["apt-get", "install", "-y", "-q", f"postgresql-{major}-postgis-3"],
               f"apt-get install postgresql-{major}-postgis-3")

    def _su(self, cmd: str, timeout: float = 300) -> subprocess.CompletedProcess:
        full = ["su", "postgres", "-s", "/bin/sh", "-c", cmd] if os.geteuid() == 0 else ["sh", "-c", cmd]
        return subprocess.run(full, capture_output=True, text=True, timeout=timeout)

    def _psql(self, sql: str, timeout: float = 600) -> subprocess.CompletedProcess:
        cmd = f"{self.bin}/psql -X -q -v ON_ERROR_STOP=1 -h {self.dir} -p {self.PORT} -d postgres"
        full = ["su", "postgres", "-s", "/bin/sh", "-c", cmd] if os.geteuid() == 0 else ["sh", "-c", cmd]
        return subprocess.run(full, input=sql, capture_output=True, text=True, timeout=timeout)

    def start(self) -> None:
        """Install if needed, initdb and start the cluster, create the extension."""
        if self.error:
            raise Failed(self.error)
        if self.started:
            return
        try:
            self.install()
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres", "postgres")
            r = self._su(f"{self.bin}/initdb -A trust -U postgres -D {self.data}")
            if r.returncode:
                raise Failed("initdb: " + short_reason(r.stderr))
            opts = f"-c listen_addresses='' -c unix_socket_directories='{self.dir}' -p {self.PORT}"
            r = self._su(f'{self.bin}/pg_ctl -w -D {self.data} -l {self.dir}/log -o "{opts}" start')
            if r.returncode:
                raise Failed("pg_ctl start: " + short_reason(r.stderr + r.stdout))
            self.started = True
            r = self._psql("CREATE EXTENSION postgis;")
            if r.returncode:
                raise Failed("CREATE EXTENSION postgis: " + short_reason(r.stderr))
            r = self._psql("\\pset tuples_only on\nSELECT 'PostgreSQL ' || current_setting('server_version')"
                           " || ', PostGIS ' || postgis_lib_version() || ', GEOS ' || postgis_geos_version();")
            self.version = r.stdout.strip()
            SETUP_LOG.append(self.version)
        except Failed as exc:
            self.error = str(exc)
            raise

    def stop(self) -> None:
        if self.started:
            self._su(f"{self.bin}/pg_ctl -w -D {self.data} stop -m fast")
            self.started = False

    def load(self, src: Path, field: str) -> str:
        """Load SRC (key field + geometry) once via COPY of hex WKB; return the table name."""
        if str(src) in self.tables:
            return self.tables[str(src)]
        import pyogrio
        import shapely

        t0 = time.perf_counter()
        table = f"t{len(self.tables)}"
        gdf = pyogrio.read_dataframe(src, columns=[field])
        csv = self.dir / f"{table}.csv"
        gdf.assign(wkb=shapely.to_wkb(gdf.geometry.values, hex=True, include_srid=False))[
            [field, "wkb"]].to_csv(csv, index=False)
        sql = (f"CREATE TABLE {table} (key text, wkb text);\n"
               f"\\copy {table} FROM '{csv}' CSV HEADER\n"
               f"ALTER TABLE {table} ADD COLUMN geom geometry;\n"
               f"UPDATE {table} SET geom = ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4326);\n"
               f"ALTER TABLE {table} DROP COLUMN wkb; VACUUM ANALYZE {table}; CHECKPOINT;\n")
        r = self._psql(sql)
        if r.returncode:
            raise Failed("load: " + short_reason(r.stderr))
        SETUP_LOG.append(f"loaded {src.name} into PostGIS ({time.perf_counter() - t0:.1f} s)")
        self.tables[str(src)] = table
        return table

    # -- timed
    def union(self, src: Path, field: str, out: Path, agg: str = "ST_Union") -> tuple[Path, Timing]:
        """CREATE TABLE AS SELECT key, AGG(geom) GROUP BY key; time = SQL only (psql \\timing),
        memory = peak RSS (VmHWM) of the server backend; result exported untimed to CSV."""
        self.start()
        table = self.load(src, field)
        sql = ("DROP TABLE IF EXISTS result;\n\\timing on\n"
               f"CREATE TABLE result AS SELECT key AS {field}, {agg}(geom) AS geom FROM {table} GROUP BY key;\n"
               "\\timing off\n"
               "SELECT 'VmHWM', pg_read_file('/proc/' || pg_backend_pid() || '/status');\n")
        r = self._psql(sql)
        if r.returncode:
            reason = short_reason(r.stderr)
            if "does not exist" in reason:
                reason += f" (PostGIS {self.version.split('PostGIS ')[-1].split(',')[0]})"
            raise Failed(reason)
        ms = re.search(r"Time: ([\d.]+) ms", r.stdout)
        kib = re.search(r"VmHWM:\s+(\d+) kB", r.stdout)
        timing = Timing(float(ms.group(1)) / 1000, int(kib.group(1)) / 1024 if kib else None)
        csv = self.dir / "result.csv"
        r = self._psql(f"\\copy (SELECT {field}, ST_AsHEXEWKB(ST_Force2D(geom)) AS wkb FROM result) "
                       f"TO '{csv}' CSV HEADER\nCHECKPOINT;\n")  # the new table's pages written now, not in the next tool's run
        if r.returncode:
            raise Failed("export: " + short_reason(r.stderr))
        shutil.copy(csv, out)
        return out, timing


if __name__ == "__main__" and sys.argv[1:2] == ["geopandas"]:
    _geopandas_child(*sys.argv[2:6])
