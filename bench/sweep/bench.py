"""Throughput of `quartier sweep` on Meudon-la-Forêt (issue #15): 100 scenarios (the school's PV
× its battery, 10 × 10), a full year of half-hours, rule controller and optimal dispatch, with
--jobs 1 and --jobs 2, against the same work as bare `quartier simulate --dispatch optimal`
runs (which also run the rule controller) on a sample of the same scenarios' district files.
Each run is its own process under /usr/bin/time -v, one after the other in the same run.

The overhead of the sweep is measured two ways: its wall time against the sum of the times
its scenarios report in done.json (what orchestration costs: reading and checking the sweep,
writing the folders), and each sampled scenario's time in the sweep against a bare run of its
district file.

    cargo build --release -p quartier-cli
    python3 bench/sweep/bench.py [--scenarios 100] [--jobs 1 2] [--sample 10]
"""

import argparse
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def timed(cmd: list[str]) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, peak, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quartier", default=str(ROOT / "target" / "release" / "quartier"))
    ap.add_argument("--scenarios", type=int, default=100, help="a square number: k × k")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--sample", type=int, default=10, help="scenarios also run bare (evenly spread)")
    args = ap.parse_args()
    k = round(args.scenarios ** 0.5)
    pv = [round(20 + 10 * i) for i in range(k)]          # 20 … 110 kWp
    battery = [round(10 + 20 * i) for i in range(k)]     # 10 … 190 kWh
    district = ROOT / "examples" / "meudon-la-foret.toml"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = tmp / "bench.toml"
        sweep.write_text(
            f'name = "meudon-bench"\ndistricts = ["{district}"]\nrun = ["rule", "optimal"]\n\n'
            f'[grid]\n"pv[\\"pv-ecole\\"].kwp" = {pv}\n"batteries[0].energy_kwh" = {battery}\n'
        )
        rows = []
        n = k * k
        width = max(4, len(str(n - 1)))
        for jobs in args.jobs:
            out = tmp / f"jobs{jobs}"
            wall, peak, _ = timed([args.quartier, "-q", "sweep", str(sweep), "--out", str(out), "--jobs", str(jobs)])
            inside = [json.loads((out / f"scenario={i:0{width}d}" / "done.json").read_text())["seconds"] for i in range(n)]
            rows.append((jobs, wall, peak, inside))
            print(f"--jobs {jobs}: {n} scenarios in {wall:.1f} s, {n / wall * 60:.2f} scenarios/min, peak {peak / 1024:.0f} MB; "
                  f"the scenarios' own times add up to {sum(inside):.1f} s", flush=True)
        # A sample of the same scenarios, bare: each one's district file through `quartier simulate`.
        first = tmp / f"jobs{args.jobs[0]}"
        picks = sorted({round(i * (n - 1) / max(args.sample - 1, 1)) for i in range(args.sample)})
        bare = []
        for i in picks:
            scenario = first / f"scenario={i:0{width}d}" / "district.toml"
            wall, peak, _ = timed([args.quartier, "-q", "simulate", str(scenario), "--out", str(tmp / "bare"), "--dispatch", "optimal"])
            bare.append((i, wall, peak))
        jobs0, _, _, inside0 = rows[0]
        in_sweep = sum(inside0[i] for i, _, _ in bare)
        bare_sum = sum(w for _, w, _ in bare)
        bare_peak = max(p for _, _, p in bare)
        print(f"bare simulate --dispatch optimal on scenarios {picks}: {bare_sum:.1f} s in all, peak {bare_peak / 1024:.0f} MB; "
              f"the same scenarios in the sweep (--jobs {jobs0}): {in_sweep:.1f} s")
        print()
        print("| run | scenarios | wall s | scenarios/min | s per scenario | peak MB |")
        print("|---|---|---|---|---|---|")
        for jobs, wall, peak, _ in rows:
            print(f"| sweep --jobs {jobs} | {n} | {wall:.1f} | {n / wall * 60:.2f} | {wall / n:.2f} | {peak / 1024:.0f} |")
        print(f"| bare simulate --dispatch optimal | {len(bare)} | {bare_sum:.1f} | {len(bare) / bare_sum * 60:.2f} | {bare_sum / len(bare):.2f} | {bare_peak / 1024:.0f} |")
        print()
        wall0 = rows[0][1]
        print(f"orchestration (--jobs {jobs0}): wall {wall0:.1f} s against {sum(inside0):.1f} s inside the scenarios, "
              f"{(wall0 - sum(inside0)) / n:+.3f} s per scenario")
        print(f"sampled scenarios: {in_sweep / len(bare):.2f} s each in the sweep against {bare_sum / len(bare):.2f} s bare "
              f"({(in_sweep / bare_sum - 1) * 100:+.1f} %; a bare run also writes timeseries.csv and starts a process)")
        if len(rows) > 1:
            print(f"--jobs {rows[1][0]} speed-up: {rows[0][1] / rows[1][1]:.2f}x")


if __name__ == "__main__":
    main()
