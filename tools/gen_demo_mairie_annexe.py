#!/usr/bin/env python3
"""Generate the GENERATED demo data of the experiment "rénovation énergétique de la mairie
annexe" (examples/experiments/meudon-renovation-mairie-annexe.toml), April 2025 - March 2027,
from the Meudon demo district's own model of that building.

Writes (examples/experiments/data/):

    meudon_mairie_annexe_2025-2027_hourly.csv   time_utc,energy_kwh: the building's meter
    meudon_temperature_tmy_2025-2027_hourly.csv time_utc,temp_air_c: the temperature explaining it
    meudon_creche_invoices_2025-2027.csv        Début;Fin;kWh: the crèche's monthly invoices

How, step by step (nothing here is measured; every number is a stated assumption):

1. The building's use without heating is the district's model of it: `examples/meudon-la-foret.toml`
   gives the mairie annexe the BDEW G25 profile at 62,000 kWh a year. The script writes a
   district file holding that load alone over 2025-04-01 - 2027-04-01 at 60 min and runs
   `quartier simulate` on it; its `load_kwh` column is that curve (G25 on the real calendar,
   French holidays included).
2. Outdoor temperature: the district's weather, the PVGIS TMY shipped with pvlib
   (examples/data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv, 45.0 N 8.0 E, BSD-3, data (c) EU
   PVGIS), laid on each year by month, day and hour (UTC): a typical year, the same in 2025,
   2026 and 2027. It is not the weather of those years.
3. Electric heating (heat pumps): HEATING_KWH_PER_YEAR over the TMY's heating degree-days at
   HEATING_BASE_C, spread over each day's hours like the day's G25 use (offices heat while
   occupied).
4. Day-to-day noise: every day's use is multiplied by a log-normal factor (sigma NOISE_SIGMA,
   seeded), so that the baseline is not a perfect fit.
5. The works end on 2026-04-01: from then on heating is HEATING_CUT lower and the rest
   BASE_CUT lower (LED lighting, controls). These are the "true" savings a good evaluation
   should find: about (HEATING_CUT x heating + BASE_CUT x base) of the reporting year.
6. A meter outage of OUTAGE_HOURS hours in November 2025 (inside the baseline) is left empty,
   so that the report shows how missing data are excluded and counted.
7. The crèche's invoices (for the billing method): the district's crèche (G25, 30,000 kWh a
   year) with the same heating model scaled by CRECHE_HEATING_KWH_PER_YEAR, the same noise, and
   works on the same date cutting heating by CRECHE_HEATING_CUT; summed over billing periods of
   29 to 33 days, the last day inclusive, French style (`;`, decimal comma, DD/MM/YYYY).

Usage (from the repository root, after `cargo build --release -p quartier-cli`; stdlib only):

    python3 tools/gen_demo_mairie_annexe.py [--quartier target/release/quartier]
    python3 tools/gen_demo_mairie_annexe.py --check   # regenerate in memory, compare, exit 1 on change

The output depends on SEED, the parameters below, Python's `random` (3.11 made the committed
files) and Quartier's G25 profile.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "experiments" / "data"
TMY = ROOT / "examples" / "data" / "pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv"

SEED = "quartier-demo-mairie-annexe-2025"
START = dt.date(2025, 4, 1)          # local dates (Europe/Paris)
END = dt.date(2027, 4, 1)
WORKS = dt.date(2026, 4, 1)
MAIRIE_G25_KWH = 62_000.0            # examples/meudon-la-foret.toml, load "mairie-annexe"
CRECHE_G25_KWH = 30_000.0            # examples/meudon-la-foret.toml, load "creche"
HEATING_BASE_C = 15.5
HEATING_KWH_PER_YEAR = 38_000.0      # ~1,100 m2 heated by heat pumps, ~35 kWh_el/m2.yr
CRECHE_HEATING_KWH_PER_YEAR = 18_000.0
HEATING_CUT = 0.35                   # insulation of the roof and walls, new heat-pump controls
BASE_CUT = 0.04                      # LED lighting
CRECHE_HEATING_CUT = 0.25
NOISE_SIGMA = 0.05
OUTAGE_START = dt.datetime(2025, 11, 12, 6, 0, tzinfo=dt.timezone.utc)
OUTAGE_HOURS = 54

DISTRICT = """[site]
name = "mairie annexe alone (generator)"
latitude_deg = 48.7716
longitude_deg = 2.2236
altitude_m = 170
timezone = "Europe/Paris"

[time]
start = {start}
end = {end}
step_minutes = 60

[weather]
file = "{tmy}"
format = "pvgis-tmy-csv"

[[participants]]
id = "30000000000004"
name = "Mairie annexe"
role = "consumer"

[[loads]]
name = "building"
participant = "30000000000004"
profile = "G25"
annual_kwh = {kwh}

[grid]
import_limit_kw = 1000
export_limit_kw = 0
export_price_eur_per_kwh = 0
import_price = 0.2
"""


def g25_curve(quartier: str, annual_kwh: float) -> list[tuple[dt.datetime, float]]:
    """The G25 curve Quartier gives a load of `annual_kwh`, hourly, over START..END."""
    with tempfile.TemporaryDirectory() as tmp:
        district = Path(tmp) / "d.toml"
        district.write_text(DISTRICT.format(start=START, end=END, tmy=TMY.as_posix(), kwh=annual_kwh))
        out = Path(tmp) / "out"
        subprocess.run([quartier, "-q", "simulate", str(district), "--out", str(out)], check=True)
        with open(out / "timeseries.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    return [(dt.datetime.fromisoformat(r["time_utc"].replace("Z", "+00:00")), float(r["load_kwh"]))
            for r in rows]


def tmy_temperature() -> dict[tuple[int, int, int], float]:
    """T2m of the TMY by (month, day, hour UTC)."""
    out = {}
    lines = TMY.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("time(UTC)"))
    for l in lines[start + 1:]:
        f = l.split(",")
        if len(f) < 2 or len(f[0]) != 13 or f[0][8] != ":":
            break
        out[(int(f[0][4:6]), int(f[0][6:8]), int(f[0][9:11]))] = float(f[1])
    return out


def local_day(t: dt.datetime) -> dt.date:
    from zoneinfo import ZoneInfo
    return t.astimezone(ZoneInfo("Europe/Paris")).date()


def building(curve, temps, rng, heating_kwh, heating_cut, base_cut):
    """Hourly use: the G25 curve with heating by degree-days, daily noise and the works."""
    t_of = [temps[(t.month, t.day, t.hour)] for t, _ in curve]
    days: dict[dt.date, list[int]] = {}
    for i, (t, _) in enumerate(curve):
        days.setdefault(local_day(t), []).append(i)
    # Heating degree-days of the typical year (one year of the curve's days).
    mean = {d: sum(t_of[i] for i in idx) / len(idx) for d, idx in days.items()}
    year = [d for d in days if START <= d < START.replace(year=START.year + 1)]
    hdd_year = sum(max(HEATING_BASE_C - mean[d], 0.0) for d in year)
    per_dd = heating_kwh / hdd_year
    out = [0.0] * len(curve)
    for d, idx in sorted(days.items()):
        after = d >= WORKS
        base = [curve[i][1] for i in idx]
        day_base = sum(base)
        heat = per_dd * max(HEATING_BASE_C - mean[d], 0.0) * ((1 - heating_cut) if after else 1.0)
        noise = rng.lognormvariate(0.0, NOISE_SIGMA)
        for i, b in zip(idx, base):
            share = b / day_base if day_base > 0 else 1 / len(idx)
            out[i] = noise * (b * ((1 - base_cut) if after else 1.0) + heat * share)
    return out, t_of, per_dd, hdd_year


def generate(quartier: str) -> dict[str, str]:
    rng = random.Random(SEED)
    temps = tmy_temperature()
    mairie = g25_curve(quartier, MAIRIE_G25_KWH)
    energy, t_of, per_dd, hdd = building(mairie, temps, rng, HEATING_KWH_PER_YEAR, HEATING_CUT, BASE_CUT)
    outage = {OUTAGE_START + dt.timedelta(hours=h) for h in range(OUTAGE_HOURS)}
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    meter = ["time_utc,energy_kwh"]
    temp = ["time_utc,temp_air_c"]
    for (t, _), e, c in zip(mairie, energy, t_of):
        meter.append(f"{stamp(t)}," + ("" if t in outage else f"{e:.3f}"))
        temp.append(f"{stamp(t)},{c:.2f}")
    creche = g25_curve(quartier, CRECHE_G25_KWH)
    c_energy, _, _, _ = building(creche, temps, rng, CRECHE_HEATING_KWH_PER_YEAR, CRECHE_HEATING_CUT, 0.0)
    per_day: dict[dt.date, float] = {}
    for (t, _), e in zip(creche, c_energy):
        per_day[local_day(t)] = per_day.get(local_day(t), 0.0) + e
    invoices = ["Début;Fin;kWh"]
    start, lengths, k = START, [30, 31, 29, 33, 30, 32], 0
    while start < END:
        end = min(start + dt.timedelta(days=lengths[k % len(lengths)]), END)
        kwh = sum(v for d, v in per_day.items() if start <= d < end)
        last = end - dt.timedelta(days=1)
        invoices.append(f"{start:%d/%m/%Y};{last:%d/%m/%Y};{kwh:.1f}".replace(".", ","))
        start, k = end, k + 1
    print(f"heating: {per_dd:.2f} kWh per degree-day over {hdd:.0f} degree-days a year", file=sys.stderr)
    return {
        "meudon_mairie_annexe_2025-2027_hourly.csv": "\n".join(meter) + "\n",
        "meudon_temperature_tmy_2025-2027_hourly.csv": "\n".join(temp) + "\n",
        "meudon_creche_invoices_2025-2027.csv": "\n".join(invoices) + "\n",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quartier", default=str(ROOT / "target" / "release" / "quartier"))
    ap.add_argument("--check", action="store_true", help="compare with the committed files")
    args = ap.parse_args()
    files = generate(args.quartier)
    changed = []
    for name, text in files.items():
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                changed.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if changed:
        print("differs from the committed file: " + ", ".join(changed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
