"""Kill national merges and map writes at random moments; check that nothing half-written is left.

Run apart from the test suite (minutes), from the project root:

    .venv/bin/python tests/kill_runs.py [--merges 20] [--maps 20] [--interrupts 10] [--seed 1]

For each run: a complete old output is in place; ``geoplan`` starts writing the same output and
gets SIGKILL at a random moment (half of the runs at a uniform moment of the whole run, half
while it writes: after its temporary file appears). Afterwards the output's name must hold the
complete old output, byte for byte (or the new one, complete, when the run had finished), and
beside it only the killed run's temporary file, SQLite journal and lock, which the next run
writing to the same place removes (checked after the last run: nothing but the output). Then
``--interrupts`` runs of the map get SIGINT at random moments: half during the work, half during
the write or just after the rename: the exit status must agree with the file (0 and the new map,
or 130 and the old one) and nothing may be left.
Prints one line per run and a summary; exit status 1 if any run broke a rule.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "vn"
ALLOWED = {".{name}.lock", ".{name}.partial{suffix}", ".{name}.partial{suffix}-journal"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


def identity(path: Path) -> tuple:
    """Which file holds the name: a rename puts another inode there (the bytes may be the same)."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def strays(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith("."))


def start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "geoplan.cli", *argv, "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "GEOPLAN_LANG": "en"}, cwd=ROOT)


def made_since(path: Path, since_ns: int) -> bool:
    """Whether ``path`` exists and was made after ``since_ns`` (not a leftover of a killed run)."""
    try:
        return path.stat().st_ctime_ns >= since_ns
    except FileNotFoundError:
        return False


def timed(argv: list[str], target: Path) -> tuple[float, float, float]:
    """A complete run: seconds until its temporary file appeared, until it was renamed, in all."""
    partial = target.with_name(f".{target.name}.partial{target.suffix}")
    began, appeared, renamed, since = time.monotonic(), None, None, time.time_ns()
    process = start(argv)
    while process.poll() is None:
        there = made_since(partial, since)
        if appeared is None and there:
            appeared = time.monotonic() - began
        if appeared is not None and renamed is None and not there:
            renamed = time.monotonic() - began
        time.sleep(0.002)
    assert process.returncode == 0, process.stderr.read()
    total = time.monotonic() - began
    appeared = total if appeared is None else appeared
    return appeared, renamed or total, total


def kill_once(argv: list[str], target: Path, moment: float, while_writing: bool, valid) -> tuple[bool, str]:
    """Kill one run ``moment`` seconds after it starts (or after its own temporary file appears)."""
    old, before = digest(target), identity(target)
    partial = target.with_name(f".{target.name}.partial{target.suffix}")
    since = time.time_ns()
    process = start(argv)
    began = time.monotonic()
    while while_writing and process.poll() is None and not made_since(partial, since):
        time.sleep(0.002)
    origin = time.monotonic()
    while process.poll() is None and time.monotonic() - origin < moment:
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    at = time.monotonic() - began
    left = strays(target)
    allowed = {p.format(name=target.name, suffix=target.suffix) for p in ALLOWED}
    sizes = ", ".join(f"{n} {(target.parent / n).stat().st_size / 1e6:.1f} MB" for n in left) or "nothing"
    if process.returncode == -signal.SIGKILL:
        replaced = identity(target) != before
        ok = set(left) <= allowed and (valid(target) if replaced else digest(target) == old)
        state = "replaced by the new one, complete" if replaced else "the old one, unchanged"
        return ok, f"killed at {at:5.1f} s: output {state}; beside it {sizes}"
    ok = process.returncode == 0 and valid(target) and not left
    return ok, f"finished before the kill ({at:5.1f} s, status {process.returncode}): output complete and valid: {ok}"


def interrupt_once(argv: list[str], target: Path, moment: float, in_write: bool) -> tuple[bool, str]:
    """SIGINT ``moment`` seconds after the run starts or (``in_write``) after its own temporary file
    appears: the status agrees with the file, nothing is left."""
    before, since = identity(target), time.time_ns()
    partial = target.with_name(f".{target.name}.partial{target.suffix}")
    process = start(argv)
    while in_write and process.poll() is None and not made_since(partial, since):
        time.sleep(0.001)
    time.sleep(moment)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate()
    new = identity(target) != before
    ok = ((process.returncode == 0 and new) or (process.returncode == 130 and not new)) and not strays(target)
    when = f"{moment:.3f} s into the write" if in_write else f"{moment:5.2f} s after the start"
    return ok, f"SIGINT {when}: status {process.returncode}, map {'new' if new else 'old'}: " \
               f"{err.strip()[-100:] or '(it had ended)'}"


def series(label: str, argv: list[str], target: Path, runs: int, rng: random.Random, valid) -> int:
    first, renamed, total = timed(argv, target)
    print(f"{label}: a complete run takes {total:.1f} s, writing from {first:.1f} s to {renamed:.1f} s")
    broken = 0
    for i in range(runs):
        while_writing = i % 2 == 1
        moment = rng.uniform(0, renamed - first) if while_writing else rng.uniform(0, total)
        ok, line = kill_once(argv, target, moment, while_writing, valid)
        broken += not ok
        print(f"  {label} {i + 1:2d} ({'during the write' if while_writing else 'any moment'}): {line}"
              f"{'' if ok else '  <-- BROKEN'}")
    timed(argv, target)  # the next run to the same place
    left = strays(target)
    print(f"  after the next complete run: {', '.join(left) or 'nothing'} beside {target.name}; valid: {valid(target)}")
    return broken + bool(left) + (not valid(target))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merges", type=int, default=20)
    parser.add_argument("--maps", type=int, default=20)
    parser.add_argument("--interrupts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default="/tmp/geoplan-kill-runs")
    args = parser.parse_args()
    import geopandas as gpd

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    result, page = work / "communes.gpkg", work / "communes.html"
    merge = ["merge", str(DATA / "old_communes_c2013.gpkg"), "vn-2025-commune", "--pop-field",
             "pop2019_vn_demographic", "-o", str(result)]
    broken = series("merge", merge, result, args.merges, rng,
                    lambda path: len(gpd.read_file(path, layer="units", columns=["code"])) == 3310)
    drawn = ["map", str(result), "-o", str(page)]
    broken += series("map", drawn, page, args.maps, rng,
                     lambda path: path.read_text(encoding="utf-8").rstrip().endswith("</html>"))
    first, renamed, _ = timed(drawn, page)
    for i in range(args.interrupts):  # during the work, or during the write and just after the rename
        in_write = i % 2 == 1
        moment = rng.uniform(0, 2 * (renamed - first) + 0.05) if in_write else rng.uniform(0.3, 0.9) * first
        ok, line = interrupt_once(drawn, page, moment, in_write)
        broken += not ok
        print(f"  interrupt {i + 1:2d}: {line}{'' if ok else '  <-- BROKEN'}")
    print(f"{args.merges} merges and {args.maps} maps killed, {args.interrupts} maps interrupted: "
          f"{'every rule held' if not broken else f'{broken} rule(s) broken'}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
