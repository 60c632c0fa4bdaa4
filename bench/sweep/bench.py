"""Throughput of `quartier sweep` on Meudon-la-Forêt (issue #15): 100 scenarios (the school's PV
× its battery, 10 × 10), a full year of half-hours, rule controller and optimal dispatch, with
--jobs 1 and --jobs 2, against the same work as bare `quartier simulate --dispatch optimal`
runs (which also run the rule controller). Each run is its own process under /usr/bin/time -v,
one after the other in the same run of this script.

    cargo build --release -p quartier-cli
    python3 bench/sweep/bench.py [--scenarios 100] [--bare 3]
"""

import argparse
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
    ap.add_argument("--bare", type=int, default=3, help="bare simulate runs to average")
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
        for jobs in (1, 2):
            out = tmp / f"jobs{jobs}"
            wall, peak, _ = timed([args.quartier, "-q", "sweep", str(sweep), "--out", str(out), "--jobs", str(jobs)])
            n = k * k
            rows.append((jobs, n, wall, n / wall * 60, peak))
            print(f"--jobs {jobs}: {n} scenarios in {wall:.1f} s, {n / wall * 60:.2f} scenarios/min, peak {peak / 1024:.0f} MB", flush=True)
        # The same work, bare: one scenario's district file through `quartier simulate`.
        scenario = tmp / "jobs1" / "scenario=0000" / "district.toml"
        bare = []
        for _ in range(args.bare):
            wall, peak, _ = timed([args.quartier, "-q", "simulate", str(scenario), "--out", str(tmp / "bare"), "--dispatch", "optimal"])
            bare.append((wall, peak))
        bare_wall = sum(w for w, _ in bare) / len(bare)
        bare_peak = max(p for _, p in bare)
        print(f"bare simulate --dispatch optimal: {bare_wall:.2f} s per scenario (mean of {len(bare)}), peak {bare_peak / 1024:.0f} MB")
        per1 = rows[0][2] / rows[0][1]
        print()
        print("| run | scenarios | wall s | scenarios/min | s per scenario | peak MB |")
        print("|---|---|---|---|---|---|")
        for jobs, n, wall, rate, peak in rows:
            print(f"| sweep --jobs {jobs} | {n} | {wall:.1f} | {rate:.2f} | {wall / n:.2f} | {peak / 1024:.0f} |")
        print(f"| bare simulate --dispatch optimal | 1 | {bare_wall:.2f} | {60 / bare_wall:.2f} | {bare_wall:.2f} | {bare_peak / 1024:.0f} |")
        print()
        print(f"overhead per scenario with --jobs 1: {per1 - bare_wall:+.2f} s ({(per1 / bare_wall - 1) * 100:+.1f} %); "
              f"--jobs 2 speed-up: {rows[0][2] / rows[1][2]:.2f}x")


if __name__ == "__main__":
    main()
