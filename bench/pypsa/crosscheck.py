"""Cross-check of Quartier's dispatch and sizing LPs against PyPSA + linopy + HiGHS.

For each case: `quartier export pypsa FILE --out DIR --solve [...]` writes the district as a
PyPSA CSV folder plus Quartier's own optimum (quartier.json); this script imports the folder
with `pypsa.Network().import_from_csv_folder`, solves it with HiGHS and compares the two
objectives (they must agree to 1e-6 relative).

Usage (from the repository root, after `bash bench/pypsa/setup.sh`):

    bench/.venv-pypsa/bin/python bench/pypsa/crosscheck.py [--quartier target/release/quartier]

Sizing: the CSV format cannot tie a battery's discharger capacity to its charger's (Quartier
sizes one power for both directions); `tie_battery_power` adds that constraint by name
(`{b}-discharger.p_nom × η_d = {b}-charger.p_nom`), as PyPSA-Eur does for its batteries.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypsa

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# (label, district file, extra export flags). The synthetic districts live beside this script.
CASES = [
    ("synthetic: PV + battery + grid, 2 days, hourly", HERE / "districts" / "small.toml", []),
    ("synthetic: full hydrogen chain, 7 days, 15 min", HERE / "districts" / "h2.toml", []),
    ("hydroseine (H2 chain, battery, EV sessions), 7 days", ROOT / "examples" / "hydroseine.toml", ["--days", "7"]),
    ("meudon-la-foret (battery, EV sessions, fleet), 7 days", ROOT / "examples" / "meudon-la-foret.toml", ["--days", "7"]),
    ("hydroseine without EV sessions, full year", HERE / "districts" / "hydroseine-no-ev.toml", []),
    ("sizing: synthetic hydrogen chain, 7 days", HERE / "districts" / "h2.toml", ["--sizing"]),
    ("sizing: hydroseine, 7 days", HERE / "districts" / "hydroseine-no-ev.toml", ["--sizing", "--days", "7"]),
    # Issue #13: the planner's own costs (each component's `sizing` table), cyclic battery and
    # tank, a 2-hour battery; dispatch and sizing on a full year of hours.
    ("dispatch: hydroseine, own costs, cyclic storage, full year hourly", HERE / "districts" / "hydroseine-costs.toml", []),
    ("sizing: hydroseine, own costs, cyclic storage, 2-hour battery, grid connection, full year hourly", HERE / "districts" / "hydroseine-costs.toml", ["--sizing"]),
    # The same with the demo's car park, its power sized too (the sessions share it).
    ("sizing: hydroseine, own costs, EV sessions and the charge points' power, 7 days hourly", HERE / "districts" / "hydroseine-charging.toml", ["--sizing", "--days", "7"]),
]


def tie_battery_power(n: pypsa.Network, sns) -> None:
    """discharger.p_nom × η_d = charger.p_nom for every extendable battery pair."""
    links = n.links
    ext = links.index[links.p_nom_extendable]
    m = n.model
    for name in ext:
        if not name.endswith("-charger"):
            continue
        base = name[: -len("-charger")]
        dis = base + "-discharger"
        if dis not in ext:
            continue
        p = m["Link-p_nom"]
        eta = float(links.at[dis, "efficiency"])
        # Sums over one-element selections drop the `name` coordinate (no alignment).
        lhs = (eta * p.loc[[dis]]).sum() - p.loc[[name]].sum()
        m.add_constraints(lhs == 0, name=f"{base}-tie_power")


def extra_constraints(folder: Path):
    """The constraints the CSV format cannot hold: the battery power tie and, from
    `quartier-durations.csv`, each fixed-duration battery's `e_nom = hours × charger p_nom`."""
    durations = {}
    path = folder / "quartier-durations.csv"
    if path.exists():
        for line in path.read_text().splitlines()[1:]:
            name, hours = line.rsplit(",", 1)
            durations[name.strip('"')] = float(hours)

    def add(n: pypsa.Network, sns) -> None:
        tie_battery_power(n, sns)
        m = n.model
        for b, hours in durations.items():
            e = m["Store-e_nom"].loc[[b]].sum()
            p = m["Link-p_nom"].loc[[b + "-charger"]].sum()
            m.add_constraints(e - hours * p == 0, name=f"{b}-duration")

    return add


def pypsa_capacities(n: pypsa.Network) -> dict:
    """Optimal capacities in Quartier's keys: (component, capacity) -> value."""
    out = {}
    for name in n.generators.index[n.generators.p_nom_extendable]:
        key = ("grid", "grid_import_kw") if name == "grid_import" else (name, "pv_kwp")
        out[key] = float(n.generators.at[name, "p_nom_opt"])
    for name in n.stores.index[n.stores.e_nom_extendable]:
        key = "tank_kg" if name == "h2_tank" else "battery_kwh"
        out[(name, key)] = float(n.stores.at[name, "e_nom_opt"])
    for name in n.links.index[n.links.p_nom_extendable]:
        carrier = n.links.at[name, "carrier"]
        v = float(n.links.at[name, "p_nom_opt"])
        if carrier == "battery charger":
            out[(name[: -len("-charger")], "battery_kw")] = v
        elif carrier == "electrolysis":
            out[(name, "electrolyser_kw")] = v
        elif carrier == "fuel cell":
            out[(name, "fuel_cell_kw")] = v * float(n.links.at[name, "efficiency"])
        elif carrier == "EV charging site":
            out[(name[: -len("-site")], "charging_kw")] = v
    return out


def solve_pypsa(folder: Path) -> dict:
    t0 = time.perf_counter()
    n = pypsa.Network()
    n.import_from_csv_folder(folder)
    t1 = time.perf_counter()
    extendable = bool(
        n.links.p_nom_extendable.any()
        or n.generators.p_nom_extendable.any()
        or n.stores.e_nom_extendable.any()
    )
    status, condition = n.optimize(
        solver_name="highs",
        include_objective_constant=False,
        extra_functionality=extra_constraints(folder) if extendable else None,
        solver_options={"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9},
    )
    t2 = time.perf_counter()
    if status != "ok":
        raise RuntimeError(f"PyPSA: {status} / {condition}")
    return {
        "objective": float(n.objective) + float(getattr(n, "objective_constant", 0.0) or 0.0),
        "import_seconds": t1 - t0,
        "optimize_seconds": t2 - t1,
        "snapshots": len(n.snapshots),
        "capacities": pypsa_capacities(n) if extendable else {},
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quartier", default=str(ROOT / "target" / "release" / "quartier"))
    ap.add_argument("--only", help="run only cases whose label contains this")
    args = ap.parse_args()
    logging.getLogger("pypsa").setLevel(logging.WARNING)
    logging.getLogger("linopy").setLevel(logging.WARNING)
    print(f"pypsa {pypsa.__version__}")
    rows = []
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for k, (label, file, flags) in enumerate(CASES):
            if args.only and args.only not in label:
                continue
            out = Path(tmp) / f"case{k}"
            cmd = [args.quartier, "-q", "export", "pypsa", str(file), "--out", str(out), "--solve", *flags]
            subprocess.run(cmd, check=True)
            q = json.loads((out / "quartier.json").read_text())
            p = solve_pypsa(out)
            rel = abs(q["objective"] - p["objective"]) / max(1.0, abs(p["objective"]))
            good = rel <= 1e-6
            # Capacities: the same to 1e-6 of each one's upper bound, the scale of the decision
            # (a capacity worth exactly its cost has a flat direction: an interior point
            # stops anywhere near it, a simplex at a vertex).
            cap_worst = 0.0
            ours = {}
            for c in q.get("capacities") or []:
                # Tanks are pooled into one PyPSA store.
                key = ("h2_tank", "tank_kg") if c["capacity"] == "tank_kg" else (c["component"], c["capacity"])
                value, bound = ours.get(key, (0.0, 0.0))
                ours[key] = (value + c["value"], bound + c.get("max", 1.0))
            for key, (value, bound) in ours.items():
                c = {"value": value}
                pv = p["capacities"].get(key)
                if pv is None:
                    print(f"  capacity {key}: not in the PyPSA network")
                    good = False
                    continue
                d = abs(c["value"] - pv) / max(1.0, bound)
                cap_worst = max(cap_worst, d)
                print(f"  {key[0]} {key[1]}: Quartier {c['value']:.6f}, PyPSA {pv:.6f} ({d:.1e})")
            if q.get("capacities"):
                good &= cap_worst <= 1e-6
            ok &= good
            rows.append((label, q["steps"], q["objective"], p["objective"], rel, good))
            print(
                f"{'PASS' if good else 'FAIL'}  {label}: {q['steps']} steps, Quartier {q['objective']:.6f}, "
                f"PyPSA {p['objective']:.6f}, relative difference {rel:.2e}",
                flush=True,
            )
    print()
    print("| case | steps | Quartier (clarabel) | PyPSA (HiGHS) | relative difference |")
    print("|---|---|---|---|---|")
    for label, steps, qo, po, rel, good in rows:
        print(f"| {label} | {steps} | {qo:.6f} | {po:.6f} | {rel:.1e} {'✓' if good else '✗'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
