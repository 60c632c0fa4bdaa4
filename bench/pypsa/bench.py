"""Benchmark: Quartier against PyPSA + linopy + HiGHS on a year of quarter-hours, dispatch and
sizing, on the same machine in the same run.

Each solver runs in its own process under `/usr/bin/time -v` (wall time and peak resident
memory of that process alone). Quartier's model-build and solve times come from its
`quartier.json`; PyPSA's from this script's worker mode (`n.optimize.create_model()` then
`n.optimize.solve_model()`), around which the import of the CSV folder is timed too.

District: `districts/hydroseine-no-ev.toml` (HydroSeine's PV, battery, electrolyser, tank,
fuel cell, hydrogen demand and grid, 35,040 steps). The demo's 2,063 EV sessions are left
out of the compared problem: PyPSA can express a session window exactly only as one store
and one link per session with dense per-snapshot series (2 × 2,063 × 35,040 ≈ 145 million
variables); Quartier's run on the full demo district, EV sessions included, is timed beside
it for reference.

Quartier runs once per back end: clarabel (the default build) and HiGHS (`--solver highs`,
which needs a build with the `highs` feature; HiGHS's default LP algorithm, dual simplex, is
the fastest on this LP: see `RESULTS.md`). The sides run back to back, one process at a time.

Usage (repository root, release build first):

    cargo build --release -p quartier-cli --features highs
    bench/.venv-pypsa/bin/python bench/pypsa/bench.py [--skip-pypsa-sizing] \
        [--solvers clarabel,highs] [--skip-sizing] [--skip-full-demo]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DISTRICT = HERE / "districts" / "hydroseine-no-ev.toml"
FULL = ROOT / "examples" / "hydroseine.toml"


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Runs cmd under /usr/bin/time -v: (wall s, peak RSS MB, stdout)."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{cmd}: exit {r.returncode}\n{r.stderr[-3000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return wall, (int(m.group(1)) / 1024 if m else float("nan")), r.stdout


def worker(folder: str, ipm: bool, time_limit: float) -> None:
    """Imports, builds and solves a network; prints one JSON line."""
    import logging

    import pypsa

    sys.path.insert(0, str(HERE))
    from crosscheck import tie_battery_power

    logging.disable(logging.INFO)
    t0 = time.perf_counter()
    n = pypsa.Network()
    n.import_from_csv_folder(folder)
    t1 = time.perf_counter()
    n.optimize.create_model(include_objective_constant=False)
    extendable = bool(
        n.links.p_nom_extendable.any()
        or n.generators.p_nom_extendable.any()
        or n.stores.e_nom_extendable.any()
    )
    if extendable:
        tie_battery_power(n, n.snapshots)
    t2 = time.perf_counter()
    options = {"time_limit": time_limit}
    if ipm:
        options["solver"] = "ipm"
    status, condition = n.optimize.solve_model(solver_name="highs", solver_options=options)
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "status": status,
                "condition": condition,
                "objective": float(n.objective) if status == "ok" else None,
                "import_seconds": t1 - t0,
                "build_seconds": t2 - t1,
                "solve_seconds": t3 - t2,
                "vars": int(n.model.nvars),
                "rows": int(n.model.ncons),
            }
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quartier", default=str(ROOT / "target" / "release" / "quartier"))
    ap.add_argument("--skip-pypsa-sizing", action="store_true")
    ap.add_argument("--skip-sizing", action="store_true", help="dispatch only (both sides)")
    ap.add_argument("--skip-full-demo", action="store_true", help="no full-demo reference run")
    ap.add_argument(
        "--solvers", default="clarabel,highs", help="Quartier back ends, comma-separated"
    )
    ap.add_argument("--pypsa-time-limit", type=float, default=3000.0, help="HiGHS time limit, s")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--ipm", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.ipm, args.pypsa_time_limit)
        return 0
    py = sys.executable
    solvers = [s for s in args.solvers.split(",") if s]
    problems = [("dispatch", [])] + ([] if args.skip_sizing else [("sizing", ["--sizing"])])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for problem, flags in problems:
            folder = Path(tmp) / problem
            # Export once (not timed against either side).
            subprocess.run(
                [args.quartier, "-q", "export", "pypsa", str(DISTRICT), "--out", str(folder), *flags],
                check=True,
            )
            entry = {"quartier": {}}
            for solver in solvers:
                qdir = Path(tmp) / f"q-{problem}-{solver}"
                wall, rss, _ = timed(
                    [args.quartier, "-q", "export", "pypsa", str(DISTRICT), "--out", str(qdir),
                     "--solve", "--solver", solver, *flags]
                )
                q = json.loads((qdir / "quartier.json").read_text())
                q.update(process_wall_seconds=wall, peak_mb=rss)
                print(f"quartier {solver} {problem}: {json.dumps(q)}", flush=True)
                entry["quartier"][solver] = q
            if not (problem == "sizing" and args.skip_pypsa_sizing):
                cmd = [py, __file__, "--worker", str(folder), "--pypsa-time-limit", str(args.pypsa_time_limit)]
                if problem == "sizing":
                    cmd.append("--ipm")
                wall, rss, out = timed(cmd)
                p = json.loads(out.strip().splitlines()[-1])
                p.update(process_wall_seconds=wall, peak_mb=rss)
                print(f"pypsa {problem}: {json.dumps(p)}", flush=True)
                entry["pypsa"] = p
            results[problem] = entry
        # Quartier on the full demo district (EV sessions included), for reference.
        for problem, flags in [] if args.skip_full_demo else problems:
            qdir = Path(tmp) / f"full-{problem}"
            try:
                wall, rss, _ = timed(
                    [args.quartier, "-q", "export", "pypsa", str(FULL), "--out", str(qdir), "--solve", *flags]
                )
            except RuntimeError as e:
                print(f"full {problem}: {e}", flush=True)
                continue
            q = json.loads((qdir / "quartier.json").read_text())
            q.update(process_wall_seconds=wall, peak_mb=rss)
            print(f"quartier full demo {problem}: {json.dumps(q)}", flush=True)
            results[f"full-{problem}"] = {"quartier": {"clarabel": q}}

    print()
    print("| problem | side | LP vars × rows | build s | solve s | process wall s | peak MB | objective |")
    print("|---|---|---|---|---|---|---|---|")
    for problem, e in results.items():
        for solver, q in e["quartier"].items():
            print(
                f"| {problem} | Quartier ({solver}) | {q['vars']} × {q['rows']} "
                f"(the solver sees {q.get('solver_cols', '?')} × {q.get('solver_rows', '?')}) | {q['build_seconds']:.2f} | "
                f"{q['solve_seconds']:.2f} | {q['process_wall_seconds']:.2f} | {q['peak_mb']:.0f} | "
                f"{q['objective']:.4f} |"
            )
        if "pypsa" in e:
            p = e["pypsa"]
            print(
                f"| {problem} | PyPSA + HiGHS | {p['vars']} × {p['rows']} | {p['import_seconds'] + p['build_seconds']:.2f} | "
                f"{p['solve_seconds']:.2f} | {p['process_wall_seconds']:.2f} | {p['peak_mb']:.0f} | "
                f"{p['objective'] if p['objective'] is None else format(p['objective'], '.4f')} ({p['condition']}) |"
            )
    print()
    for problem, e in results.items():
        if "pypsa" not in e:
            continue
        p = e["pypsa"]
        for solver, q in e["quartier"].items():
            rel = (
                float("nan")
                if p["objective"] is None
                else abs(q["objective"] - p["objective"]) / max(1.0, abs(p["objective"]))
            )
            print(
                f"{problem} ({solver}): PyPSA/Quartier wall "
                f"{p['process_wall_seconds'] / q['process_wall_seconds']:.1f}×, "
                f"solve {p['solve_seconds'] / q['solve_seconds']:.1f}×, "
                f"build {(p['import_seconds'] + p['build_seconds']) / max(q['build_seconds'], 1e-9):.0f}×, "
                f"peak memory {p['peak_mb'] / q['peak_mb']:.1f}×; objectives differ by {rel:.1e} (relative)"
            )
    for problem, e in results.items():
        q = e["quartier"]
        if "clarabel" in q and "highs" in q:
            a, b = q["clarabel"]["objective"], q["highs"]["objective"]
            print(f"{problem}: clarabel and HiGHS objectives differ by {abs(a - b) / max(1.0, abs(b)):.1e} (relative)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
