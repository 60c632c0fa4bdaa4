"""Representative-period sizing against full-horizon sizing, same machine, same run.

For a district file: `quartier size FILE` on the full horizon, then `quartier size FILE
--typical-days N` for each N; each in its own process under `/usr/bin/time -v`, one after
the other. Reports, per N: the reduced problem's time (cluster + build + solve), the
speed-up against the full-horizon sizing's time, the full-horizon cost of the capacities the
typical days chose (the re-solve with them fixed) against the full-horizon optimum, and the
reduced problem's own estimate. Standard library only.

Usage (from the repository root, after `cargo build --release -p quartier-cli`):

    python3 bench/sizing/typical_days.py [--file examples/hydroseine.toml] [--days 4 8 16 32]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(quartier: str, file: str, out: Path, extra: list[str]) -> dict:
    cmd = ["/usr/bin/time", "-v", quartier, "-q", "size", file, "--out", str(out), *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", p.stderr)
    parts = [float(x) for x in wall.group(1).split(":")] if wall else [0.0]
    seconds = sum(x * 60 ** (len(parts) - 1 - i) for i, x in enumerate(parts))
    doc = json.loads((out / "sizing.json").read_text())
    doc["_peak_mb"] = int(rss.group(1)) / 1024 if rss else None
    doc["_process_seconds"] = seconds
    return doc


def caps(doc: dict) -> dict:
    return {(c["component"], c["capacity"]): c["value"] for c in doc["capacities"] if c["sized"]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quartier", default=str(ROOT / "target" / "release" / "quartier"))
    ap.add_argument("--file", default=str(ROOT / "examples" / "hydroseine.toml"))
    ap.add_argument("--days", type=int, nargs="+", default=[4, 8, 16, 32])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        full = run(args.quartier, args.file, Path(tmp) / "full", [])
        full_solve = full["build_seconds"] + full["solve_seconds"]
        optimum = full["annualised_cost_eur"]
        print(
            f"full horizon: {full['lp']['vars']} vars x {full['lp']['rows']} rows, build + solve "
            f"{full_solve:.2f} s ({full['termination']}), process {full['_process_seconds']:.1f} s, "
            f"peak {full['_peak_mb']:.0f} MB, {optimum:.2f} EUR/year",
            flush=True,
        )
        rows = []
        for k in args.days:
            doc = run(args.quartier, args.file, Path(tmp) / f"td{k}", ["--typical-days", str(k)])
            td = doc["typical_days"]
            cost = doc["annualised_cost_eur"]
            gap = (cost - optimum) / abs(optimum)
            speed = full_solve / td["reduced_seconds"]
            worst = max(
                (abs(v - caps(full).get(key, 0.0)) for key, v in caps(doc).items()), default=0.0
            )
            rows.append((k, td, speed, cost, gap, worst, doc))
            print(
                f"{k} typical days: {td['reduced_lp']['vars']} vars x {td['reduced_lp']['rows']} rows, "
                f"reduced {td['reduced_seconds']:.2f} s ({speed:.0f}x), estimate "
                f"{td['reduced_annualised_cost_eur']:.2f}, full-horizon cost of its capacities "
                f"{cost:.2f} ({100 * gap:+.3f} % of the optimum), check {td['check_seconds']:.1f} s, "
                f"process {doc['_process_seconds']:.1f} s, peak {doc['_peak_mb']:.0f} MB",
                flush=True,
            )
    print()
    print("| typical days | reduced LP (vars × rows) | reduced s | speed-up | estimate EUR/yr | "
          "full-year cost of its capacities EUR/yr | vs full-year optimum | largest capacity gap | check s |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| full year | {full['lp']['vars']:,} × {full['lp']['rows']:,} | {full_solve:.2f} | 1× | — | "
          f"{optimum:,.2f} | — | — | — |")
    for k, td, speed, cost, gap, worst, _ in rows:
        print(f"| {k} | {td['reduced_lp']['vars']:,} × {td['reduced_lp']['rows']:,} | "
              f"{td['reduced_seconds']:.2f} | {speed:.0f}× | {td['reduced_annualised_cost_eur']:,.2f} | "
              f"{cost:,.2f} | {100 * gap:+.3f} % | {worst:.1f} | {td['check_seconds']:.1f} |")
    ok = all(speed >= 20 and abs(gap) <= 0.01 for k, _, speed, _, gap, _, _ in rows if k >= 8)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
