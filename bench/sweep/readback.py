"""Reads a sweep's results back with pandas, DuckDB and polars, as a user of the results would,
and checks them against the results folder they came from (issue #15: `sweep collect` read back
by pandas; the Parquet tables read in one line each).

    python3 -m venv bench/.venv-sweep && bench/.venv-sweep/bin/pip install -r bench/sweep/requirements.txt
    target/release/quartier sweep examples/sweeps/meudon-pv-battery.toml --out out/sweep
    bench/.venv-sweep/bin/python bench/sweep/readback.py out/sweep
    target/release/quartier sweep examples/sweeps/meudon-community.toml --out out/sweep-community
    bench/.venv-sweep/bin/python bench/sweep/readback.py out/sweep-community

Checks: one row per scenario of scenarios.csv, in order, with its parameters; every finished
scenario `done`; each KPI column equal to the value in that scenario's JSON file; numeric KPI
columns read as numbers; each key's community totals (`allocate.KEY.FIELD`) equal to
allocate-kpis.json, money to the cent. Then the Parquet files, when the sweep wrote them:
- `pd.read_parquet(DIR/kpis.parquet)` holds the same values as kpis.csv, numbers as numbers
  and money (`*_eur` of an allocation) as exact `decimal.Decimal`;
- DuckDB's `read_parquet('DIR/scenario=*/kpis.parquet', hive_partitioning = true, hive_types =
  {'scenario': INTEGER})` gives one row per finished scenario, its number from the folder (DuckDB
  keeps `0007` as text unless told), equal to its row of kpis.parquet;
- polars' `pl.read_parquet('DIR/scenario=*/timeseries-rule.parquet', hive_partitioning=True)`
  gives every step of every scenario, `time_utc` in UTC, and each scenario's imports and
  exports sum to its KPIs (relative 1e-9).
Exits 1 when anything differs.
"""

import json
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
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
        path = folder / "allocate-kpis.json"
        if path.is_file():
            for key, totals in json.loads(path.read_text())["keys"].items():
                for field, value in totals.items():
                    col = f"allocate.{key}.{field}"
                    got = row[col]
                    # Money is decimal text in the JSON, exact: compared as decimals.
                    ok = (Decimal(str(got)) == Decimal(value)) if isinstance(value, str) else float(got) == float(value)
                    if not ok:
                        problems.append(f"{folder.name}: {col} = {got!r} in kpis.csv, {value!r} in {path.name}")
                    checked += 1
    numeric = check_numeric(table, "kpis.csv", problems)
    notes = []
    if (out / "kpis.parquet").is_file():
        notes.append(check_parquet(out, table, problems))
    if problems:
        for p in problems[:20]:
            print("FAIL", p)
        return 1
    print(f"ok: {len(table)} scenarios, {len(table.columns)} columns, {checked} KPI values equal to their JSON, "
          f"{len(numeric)} energy and money columns numeric (pandas {pd.__version__})")
    for n in notes:
        print("ok:", n)
    return 0


def check_numeric(table: pd.DataFrame, name: str, problems: list) -> list:
    """The energy and money columns (`*_kwh`, `*_eur`) read as numbers, or as exact decimals
    (Parquet DECIMAL: pandas gives `decimal.Decimal`); gives them."""
    numeric = [c for c in table.columns if c.endswith("_kwh") or c.endswith("_eur")]
    for c in numeric:
        exact = table[c].dtype == object and all(isinstance(v, Decimal) for v in table[c].dropna())
        if not (pd.api.types.is_numeric_dtype(table[c]) or exact):
            problems.append(f"{name}: column {c!r} does not read as numbers ({table[c].dtype})")
    return numeric


def unquote(v):
    """A TOML string as the sweep file writes it, without its quotes (the Parquet form)."""
    if isinstance(v, str) and len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    return v


def same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return str(a).lower() == str(b).lower()
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(unquote(a)) == str(unquote(b))


def check_parquet(out: Path, table: pd.DataFrame, problems: list) -> str:
    import duckdb
    import polars as pl

    pq = pd.read_parquet(out / "kpis.parquet")  # the one line a user writes
    if list(pq.columns) != list(table.columns):
        problems.append("kpis.parquet and kpis.csv have different columns")
        return "kpis.parquet"
    cells = 0
    for col in table.columns:
        for i, (a, b) in enumerate(zip(table[col], pq[col])):
            if not same(a, b):
                problems.append(f"row {i}, {col}: {a!r} in kpis.csv, {b!r} in kpis.parquet")
            cells += 1
    check_numeric(pq, "kpis.parquet", problems)
    money = [c for c in pq.columns if c.startswith("allocate.") and c.endswith("_eur")]
    for c in money:
        if not all(isinstance(v, Decimal) for v in pq[c].dropna()):
            problems.append(f"kpis.parquet: money column {c!r} is not exact decimals ({pq[c].dtype})")
    # Every scenario's own file, read as one Hive-partitioned table.
    parts = duckdb.sql(
        f"SELECT * FROM read_parquet('{out}/scenario=*/kpis.parquet', hive_partitioning = true, "
        "hive_types = {'scenario': INTEGER}, union_by_name = true) ORDER BY scenario"
    ).df()
    done = pq[pq["status"] == "done"].reset_index(drop=True)
    if list(parts["scenario"]) != list(done["scenario"]):
        problems.append("DuckDB: the scenarios of scenario=*/kpis.parquet are not the finished ones")
    else:
        for col in parts.columns:
            for i, (a, b) in enumerate(zip(parts[col], done[col])):
                if not same(a, b):
                    problems.append(f"scenario {done['scenario'][i]}, {col}: {a!r} in its folder, {b!r} in kpis.parquet")
    note = (f"kpis.parquet: {cells} cells equal to kpis.csv (pyarrow), {len(money)} money columns as exact decimals; "
            f"{len(parts)} scenario files read by DuckDB {duckdb.__version__} as one table")
    series = sorted(out.glob("scenario=*/timeseries-rule.parquet"))
    if series:
        ts = pl.read_parquet(f"{out}/scenario=*/timeseries-rule.parquet", hive_partitioning=True)
        if str(ts.schema["time_utc"]) != "Datetime(time_unit='us', time_zone='UTC')":
            problems.append(f"time_utc is {ts.schema['time_utc']}, not a UTC instant")
        sums = ts.group_by("scenario").agg(pl.col("import_kwh").sum(), pl.col("export_kwh").sum()).sort("scenario")
        for row in sums.iter_rows(named=True):
            kpi = done[done["scenario"] == row["scenario"]]
            for k in ("import_kwh", "export_kwh"):
                want = float(kpi[f"rule.{k}"].iloc[0])
                if abs(row[k] - want) > 1e-9 * max(1.0, abs(want)):
                    problems.append(f"scenario {row['scenario']}: the steps' {k} sum to {row[k]}, the KPI says {want}")
        note += (f"; {len(series)} rule time series ({ts.height} steps) read by polars {pl.__version__}, "
                 "imports and exports equal to the KPIs")
    return note


if __name__ == "__main__":
    sys.exit(main())
