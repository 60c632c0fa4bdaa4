#!/usr/bin/env python3
"""Generates the ILLUSTRATIVE monthly indicators of the demo programme's experiments.

The programme's demo (examples/experiments/) holds the experiments of the brief: Meudon-la-Forêt's
seven and Issy-les-Moulineaux's HydroSeine. Where Quartier computes an indicator from data (the
mairie annexe's avoided energy from its meter, the districts' PV, hydrogen, charging and balance
from their simulations), no value comes from here. The laureates' own indicators (kilometres
ridden, assets registered, members of the community...) have no data behind them in a demo: this
script makes them up, and every experiment file marks them `illustrative = true`, so that every
page and the open data label them as such.

Each series is a plausible monthly path: a ramp-up over the first months of the experiment, a
seasonal factor where the activity has one (bikes ride less in August and in winter), and seeded
noise. The reports stop at the last month each laureate is supposed to have reported when the
demo was made (December 2026): most report up to November 2026, one is behind (its October and
November reports are missing) so that the portfolio shows an overdue laureate.

Usage:
    python3 tools/gen_demo_programme.py            # writes examples/experiments/data/programme/
    python3 tools/gen_demo_programme.py --check    # compares with the committed files

Standard library only; the output is byte-for-byte reproducible.
"""

import argparse
import math
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "examples" / "experiments" / "data" / "programme"

FIRST = (2025, 4)


def months(first, last):
    y, m = first
    while (y, m) <= last:
        yield (y, m)
        m += 1
        if m > 12:
            y, m = y + 1, 1


def ramp(k, months_to_full):
    """Share of the full activity in the k-th month (0-based): a smooth S over months_to_full."""
    x = min(1.0, (k + 1) / months_to_full)
    return 0.5 - 0.5 * math.cos(math.pi * x)


BIKE_SEASON = {1: 0.8, 2: 0.85, 3: 0.95, 4: 1.0, 5: 1.05, 6: 1.1, 7: 1.0, 8: 0.7, 9: 1.1, 10: 1.05,
               11: 0.9, 12: 0.8}

# (file, last month reported, full monthly value, months to full activity, seasonal?, kind, seed)
# kind: "flow" (a monthly amount), "stock" (a running count, reported as its month-end value),
# "level" (a monthly level around the full value).
SERIES = [
    ("meudon-asset-platform_assets.csv", (2026, 11), 420, 16, False, "stock", 1),
    ("meudon-asset-platform_interventions.csv", (2026, 11), 34, 8, False, "flow", 2),
    ("meudon-ev-charging_sessions.csv", (2026, 9), 520, 7, False, "flow", 3),
    ("meudon-hybrid-vehicle_km.csv", (2026, 11), 520, 10, True, "flow", 4),
    ("meudon-hybrid-vehicle_wh-per-km.csv", (2026, 11), 23.5, 1, False, "level", 5),
    ("meudon-cargo-bikes_km.csv", (2026, 11), 3000, 9, True, "flow", 6),
    ("meudon-cargo-bikes_trips.csv", (2026, 11), 450, 9, True, "flow", 7),
    ("meudon-energy-community_members.csv", (2026, 11), 41, 14, False, "stock", 8),
    ("meudon-pv-self-consumption_kwp.csv", (2026, 11), 240, 12, False, "stock", 9),
]


def series(last, full, to_full, seasonal, kind, seed):
    rng = random.Random(seed)
    out = []
    for k, (y, m) in enumerate(months(FIRST, last)):
        share = ramp(k, to_full)
        season = BIKE_SEASON[m] if seasonal else 1.0
        if kind == "stock":
            value = round(full * share)
        elif kind == "level":
            value = round(full * (1.0 + rng.gauss(0.0, 0.04)), 1)
        else:
            value = round(full * share * season * (1.0 + rng.gauss(0.0, 0.06)))
        out.append(((y, m), value))
    return out


def text(values):
    lines = ["month,value"]
    for (y, m), v in values:
        lines.append(f"{y:04d}-{m:02d},{v}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed files")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    differ = []
    for name, last, full, to_full, seasonal, kind, seed in SERIES:
        body = text(series(last, full, to_full, seasonal, kind, seed))
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text() != body:
                differ.append(name)
        else:
            path.write_text(body)
    if args.check:
        if differ:
            print("differ from the generator:", ", ".join(differ))
            return 1
        print(f"{len(SERIES)} files match the generator")
    else:
        print(f"wrote {len(SERIES)} files to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
