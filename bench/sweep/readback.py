"""Reads a sweep's collected table back with pandas, as a user of the results would, and checks
it against the results folder it came from (issue #15: `sweep collect` read back by pandas).

    python3 -m venv bench/.venv-sweep && bench/.venv-sweep/bin/pip install -r bench/sweep/requirements.txt
    target/release/quartier sweep examples/sweeps/meudon-pv-battery.toml --out out/sweep
    bench/.venv-sweep/bin/python bench/sweep/readback.py out/sweep

Checks: one row per scenario of scenarios.csv, in order, with its parameters; every finished
scenario `done`; each KPI column equal to the value in that scenario's JSON file; numeric KPI
columns read as numbers. Exits 1 on the first difference.
"""

import json
import sys
from pathlib import Path

import pandas as pd


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out = Path(sys.argv[1])
    table = pd.read_csv(out / "kpis.csv")  # the one line a user writes
    scenarios = pd.read_csv(out / "scenarios.csv")
    problems = []
    if list(table["scenario"]) != list(scenarios["scenario"]):
        problems.append("the scenarios of kpis.csv are not those of scenarios.csv, in order")
    for col in scenarios.columns:
        a, b = table[col].astype(str).tolist(), scenarios[col].astype(str).tolist()
        if a != b:
            problems.append(f"column {col!r} differs from scenarios.csv")
    width = max(4, len(str(len(scenarios) - 1)))
    checked = 0
    for _, row in table.iterrows():
        folder = out / f"scenario={int(row['scenario']):0{width}d}"
        done = (folder / "done.json").is_file()
        if (row["status"] == "done") != done:
            problems.append(f"{folder.name}: status {row['status']!r} but done.json {'exists' if done else 'is missing'}")
            continue
        for prefix in ("rule", "optimal"):
            path = folder / f"{prefix}-kpis.json"
            if not path.is_file():
                continue
            kpis = json.loads(path.read_text())["kpis"]
            for key, value in kpis.items():
                col = f"{prefix}.{key}"
                got = row[col]
                if value is None:
                    ok = pd.isna(got)
                elif isinstance(value, bool):
                    ok = bool(got) == value
                else:
                    ok = float(got) == float(value)
                if not ok:
                    problems.append(f"{folder.name}: {col} = {got!r} in kpis.csv, {value!r} in {path.name}")
                checked += 1
    numeric = [c for c in table.columns if c.endswith("_kwh") or c.endswith("_eur")]
    for c in numeric:
        if not pd.api.types.is_numeric_dtype(table[c]):
            problems.append(f"column {c!r} does not read as numbers ({table[c].dtype})")
    if problems:
        for p in problems[:20]:
            print("FAIL", p)
        return 1
    print(f"ok: {len(table)} scenarios, {len(table.columns)} columns, {checked} KPI values equal to their JSON, "
          f"{len(numeric)} energy and money columns numeric (pandas {pd.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
