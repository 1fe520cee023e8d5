"""Run the engine's differential fuzzer over a range of seeds.

    python -m tests.fuzz.run --start 0 --count 100000 --jobs 2 [--overlay] [--log FILE] [--engine SO]

Prints a line per failing case (seed, family, what failed) and a summary;
exits 1 if any case failed. A case is reproduced by its seed alone
(``tests.fuzz.cases.make_case(seed)``). ``--overlay`` checks the overlay of two
layers made of each case (:mod:`.overlay_oracle`) instead of the dissolve. ``--engine`` runs another build of
the compiled arrangement (the sanitizer build of ``make asan``) in place of
the installed one.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor

from .cases import make_case
from .oracle import check_dissolve
from .overlay_oracle import RULES, check_overlay, layers


def run_case(seed: int) -> tuple[int, str, list[str]]:
    """(seed, case name, failures) of one case."""
    from geoplan.engine.dissolve import dissolve_clean

    case = make_case(seed)

    def check():
        out = dissolve_clean(case.geoms, case.keys, 1.0, crs="EPSG:4326" if case.geographic else None)
        return check_dissolve(case.geoms, case.keys, out, case.geographic)

    return seed, case.name, _failures(check)


def run_overlay_case(seed: int) -> tuple[int, str, list[str]]:
    """(seed, case name and rules, failures) of one overlay case: the rules and the form of the
    pieces (geometries, or WKB) by the seed."""
    from geoplan.engine.arrange import overlay

    case = make_case(seed)
    overlap_a, overlap_b = RULES[seed % len(RULES)]
    geometry = "wkb" if seed // len(RULES) % 2 else True

    def check():
        a, b = layers(case.geoms)
        frame = overlay(a, b, geographic=case.geographic, overlap_a=overlap_a, overlap_b=overlap_b, geometry=geometry)
        return check_overlay(a, b, frame, overlap_a, overlap_b, case.geographic)

    kind = "WKB" if geometry == "wkb" else "geometries"
    return seed, f"{case.name}; overlap {overlap_a}/{overlap_b}, {kind}", _failures(check)


def _failures(check) -> list[str]:
    """What ``check()`` finds wrong; an exception (on valid layers) is a failure too."""
    try:
        return check()
    except Exception as error:  # noqa: BLE001 (any exception is a finding)
        return [f"exception: {type(error).__name__}: {error}\n{traceback.format_exc(limit=-3)}"]


def use_engine(path: str | None) -> None:
    """Load the compiled arrangement from ``path`` in place of the installed one."""
    if not path:
        return
    import importlib.util

    import geoplan.engine.arrange as arrange

    spec = importlib.util.spec_from_file_location("geoplan.engine._arrange", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    arrange._arrange = module


def _chunk(args):
    start, stop, engine, overlay = args
    use_engine(engine)
    run = run_overlay_case if overlay else run_case
    return [r for r in (run(s) for s in range(start, stop)) if r[2]], stop - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--log", help="append failures to this file")
    parser.add_argument("--engine", help="a build of geoplan.engine._arrange to use instead of the installed one")
    parser.add_argument("--overlay", action="store_true", help="check the overlay of two layers, not the dissolve")
    args = parser.parse_args(argv)
    t0 = time.time()
    step = 200
    chunks = [(s, min(s + step, args.start + args.count), args.engine, args.overlay)
              for s in range(args.start, args.start + args.count, step)]
    failed, done = [], 0
    with ProcessPoolExecutor(args.jobs) if args.jobs > 1 else _Serial() as pool:
        for fails, n in pool.map(_chunk, chunks):
            done += n
            for seed, name, why in fails:
                line = f"seed {seed} ({name}): " + " | ".join(why)
                print(line, flush=True)
                failed.append(line)
                if args.log:
                    with open(args.log, "a") as f:
                        f.write(line + "\n")
    engine = f" with {args.engine}" if args.engine else ""
    print(f"{'overlay' if args.overlay else 'dissolve'}{engine}: {done - len(failed):,} of {done:,} cases passed (seeds {args.start}-{args.start + args.count - 1}), "
          f"{time.time() - t0:.0f} s", flush=True)
    return 1 if failed else 0


class _Serial:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items):
        return map(fn, items)


if __name__ == "__main__":
    sys.exit(main())
