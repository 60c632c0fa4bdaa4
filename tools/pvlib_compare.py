#!/usr/bin/env python3
"""Compare `quartier pv` with pvlib's PVWatts chain on the PVGIS TMY shipped with pvlib.

Setup (once):
    python3 -m venv tools/.venv && tools/.venv/bin/pip install -r tools/requirements-pvlib.txt
Run from the repository root:
    tools/.venv/bin/python tools/pvlib_compare.py [--quartier target/release/quartier]

For each system, pvlib computes: SPA solar position (`get_solarposition`, method nrel_numpy,
pressure from altitude, 12 degC, delta_t estimated) at the *same instants Quartier uses*
(interval start from Quartier's `time_utc` column + the sample offset Quartier prints),
`get_extra_radiation` (Spencer), Kasten-Young relative air mass, `get_total_irradiance`
(Perez allsitescomposite1990 or Hay-Davies, albedo), Faiman or SAPM cell temperature,
`pvwatts_dc`, a flat loss on DC, and `inverter.pvwatts` with pdc0 = pac0 / eta_nom,
pac0 = kWp / dc_ac_ratio. No IAM (pvlib `aoi_model='no_loss'`), as Quartier's default.

It prints and writes (--md) per system: annual kWh of both, relative difference, hourly
Pearson correlation, max hourly |difference|, and timings. Exit status 1 when any annual
difference exceeds 3 % or any correlation is below 0.98.

`--print-test-constants` prints the pvlib values pasted into crates/solar/tests/physics.rs.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared/data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv"
SAPM_GLASS_GLASS = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"]


@dataclass
class System:
    name: str
    kwp: float
    tilt: float
    azimuth: float
    transposition: str = "perez"  # or "hay-davies"
    temperature: str = "faiman"  # or "sapm"
    losses_pct: float = 14.0
    dc_ac_ratio: float = 1.2
    eta_inv: float = 0.96
    gamma: float = -0.004
    albedo: float = 0.2


SYSTEMS = [
    System("100 kWp, 30° south, Perez, Faiman", 100.0, 30.0, 180.0),
    System("10 kWp, 15° east, Perez, Faiman", 10.0, 15.0, 90.0),
    System("50 kWp, 35° az 220°, Hay-Davies, SAPM", 50.0, 35.0, 220.0, "hay-davies", "sapm"),
    System("20 kWp, 60° south, DC/AC 1.5, Perez, SAPM", 20.0, 60.0, 180.0, "perez", "sapm",
           dc_ac_ratio=1.5),
]


def pvlib_chain(data: pd.DataFrame, sun_times: pd.DatetimeIndex, lat: float, lon: float,
                alt: float, s: System) -> np.ndarray:
    """AC power in kW per row, pvlib's chain evaluated at `sun_times`."""
    sp = pvlib.solarposition.get_solarposition(
        sun_times, lat, lon, altitude=alt, method="nrel_numpy", delta_t=None)
    dni_extra = pvlib.irradiance.get_extra_radiation(sun_times)
    airmass = pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"])
    ghi = pd.Series(data["ghi"].to_numpy(), index=sun_times)
    dni = pd.Series(data["dni"].to_numpy(), index=sun_times)
    dhi = pd.Series(data["dhi"].to_numpy(), index=sun_times)
    temp_air = pd.Series(data["temp_air"].to_numpy(), index=sun_times)
    wind = pd.Series(data["wind_speed"].to_numpy(), index=sun_times)
    irr = pvlib.irradiance.get_total_irradiance(
        s.tilt, s.azimuth, sp["apparent_zenith"], sp["azimuth"], dni, ghi, dhi,
        dni_extra=dni_extra, airmass=airmass, albedo=s.albedo,
        model="perez" if s.transposition == "perez" else "haydavies",
        model_perez="allsitescomposite1990")
    poa = irr["poa_global"]
    if s.temperature == "faiman":
        t_cell = pvlib.temperature.faiman(poa, temp_air, wind)  # u0=25, u1=6.84
    else:
        t_cell = pvlib.temperature.sapm_cell(poa, temp_air, wind, **SAPM_GLASS_GLASS)
    pdc_w = pvlib.pvsystem.pvwatts_dc(poa, t_cell, s.kwp * 1000.0, s.gamma)
    pdc_w = pdc_w * (1.0 - s.losses_pct / 100.0)
    pac0_w = s.kwp * 1000.0 / s.dc_ac_ratio
    pac_w = pvlib.inverter.pvwatts(pdc_w, pac0_w / s.eta_inv, eta_inv_nom=s.eta_inv)
    return pac_w.fillna(0.0).to_numpy() / 1000.0


def run_quartier(cmd: list[str], weather: Path, s: System, out: Path) -> tuple[pd.DataFrame, float, float, float]:
    """Runs `quartier pv`; returns (output, sample offset minutes, wall s, in-process s)."""
    args = cmd + [
        "pv", "--weather", str(weather), "--format", "pvgis-tmy-csv",
        "--kwp", str(s.kwp), "--tilt", str(s.tilt), "--azimuth", str(s.azimuth),
        "--losses", str(s.losses_pct), "--dc-ac-ratio", str(s.dc_ac_ratio),
        "--inverter-efficiency", str(s.eta_inv), "--gamma", str(s.gamma),
        "--albedo", str(s.albedo), "--transposition", s.transposition,
        "--temperature", s.temperature, "--out", str(out), "--timing",
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"quartier failed ({proc.returncode}):\n{proc.stderr}")
    text = proc.stdout + proc.stderr
    m = re.search(r"sample offset:\s*([-0-9.]+)\s*min", text)
    if not m:
        sys.exit(f"could not find the sample offset in quartier's output:\n{text}")
    t = re.search(r"chain time:\s*([0-9.]+)\s*ms", text)
    inproc = float(t.group(1)) / 1000.0 if t else float("nan")
    df = pd.read_csv(out)
    df["time_utc"] = pd.to_datetime(df["time_utc"], utc=True)
    return df, float(m.group(1)), wall, inproc


def print_test_constants() -> None:
    cases = [  # dhi, dni, dni_extra, tilt, surface azimuth, apparent zenith, sun azimuth
        (100., 600., 1400., 30., 180., 40., 170.),
        (300., 50., 1350., 35., 220., 65., 250.),
        (80., 850., 1410., 15., 90., 25., 120.),
        (150., 200., 1367., 60., 180., 86., 100.),
    ]
    for dhi, dni, de, tilt, saz, zen, az in cases:
        am = pvlib.atmosphere.get_relative_airmass(zen)
        p = pvlib.irradiance.perez(tilt, saz, dhi, dni, de, zen, az, am,
                                   model="allsitescomposite1990")
        h = pvlib.irradiance.haydavies(tilt, saz, dhi, dni, de, zen, az)
        print(f"airmass {float(am)!r} perez {float(p)!r} haydavies {float(h)!r}")
    print("faiman", float(pvlib.temperature.faiman(800., 25., 3.)))
    print("sapm", float(pvlib.temperature.sapm_cell(800., 25., 3., **SAPM_GLASS_GLASS)))
    for pdc in (0.5, 40., 83.0, 120.):
        print("inverter", pdc, float(pvlib.inverter.pvwatts(pdc, 100 / 1.2 / 0.96, 0.96, 0.9637)))
    print("pvwatts_dc", float(pvlib.pvsystem.pvwatts_dc(900., 45., 100., -0.004)))
    print("dni_extra(172)", float(pvlib.irradiance.get_extra_radiation(172)))
    print("alt2pres(1830.14)", float(pvlib.atmosphere.alt2pres(1830.14)))
    t = pd.DatetimeIndex(["2003-10-17 19:30:30+00:00"])
    print(pvlib.solarposition.get_solarposition(t, 39.742476, -105.1786, 1830.14,
                                                pressure=82000, temperature=11, delta_t=67).T)
    t = pd.DatetimeIndex(["2025-06-21 11:50:00+00:00"])
    print(pvlib.solarposition.get_solarposition(t, 48.8566, 2.3522, 35).T)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weather", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--quartier", help="path to a built quartier binary "
                    "(default: cargo run --release -q -p quartier-cli --bin quartier --)")
    ap.add_argument("--md", type=Path, default=ROOT / "tools/results/pvlib_compare.md",
                    help="Markdown report to write")
    ap.add_argument("--note", default="", help="a sentence added to the report (e.g. how "
                    "the --quartier binary was built)")
    ap.add_argument("--print-test-constants", action="store_true")
    a = ap.parse_args()
    if a.print_test_constants:
        print_test_constants()
        return 0

    cmd = [a.quartier] if a.quartier else [
        "cargo", "run", "--release", "-q", "-p", "quartier-cli", "--bin", "quartier", "--"]
    if not a.quartier:  # build once so that the timings below exclude compilation
        subprocess.run(cmd + ["--help"], cwd=ROOT, check=True, capture_output=True)

    data, meta = pvlib.iotools.read_pvgis_tmy(str(a.weather), map_variables=True)
    loc = meta.get("inputs", meta)
    lat, lon, alt = float(loc["latitude"]), float(loc["longitude"]), float(loc["elevation"])

    rows = []
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for i, s in enumerate(SYSTEMS):
            q, offset_min, wall, inproc = run_quartier(cmd, a.weather, s, Path(tmp) / f"s{i}.csv")
            if len(q) != len(data):
                sys.exit(f"quartier wrote {len(q)} rows, the file has {len(data)}")
            # Same row order; check that month/day/hour agree with pvlib's own index.
            same = ((q["time_utc"].dt.month.to_numpy() == data.index.month)
                    & (q["time_utc"].dt.day.to_numpy() == data.index.day)
                    & (q["time_utc"].dt.hour.to_numpy() == data.index.hour))
            if not same.all():
                sys.exit(f"{(~same).sum()} rows differ in month/day/hour between the readers")
            sun_times = pd.DatetimeIndex(q["time_utc"]) + pd.Timedelta(minutes=offset_min)
            t0 = time.perf_counter()
            pac_kw = pvlib_chain(data, sun_times, lat, lon, alt, s)
            t_pvlib = time.perf_counter() - t0
            e_pvlib = pac_kw * 1.0  # hourly: kWh = kW x 1 h
            e_q = q["ac_kwh"].to_numpy()
            ann_p, ann_q = e_pvlib.sum(), e_q.sum()
            rel = (ann_q - ann_p) / ann_p
            corr = float(np.corrcoef(e_q, e_pvlib)[0, 1])
            maxdiff = float(np.abs(e_q - e_pvlib).max())
            ok = abs(rel) <= 0.03 and corr >= 0.98
            failed |= not ok
            rows.append((s, ann_q, ann_p, rel, corr, maxdiff, t_pvlib, wall, inproc, offset_min, ok))

    pkgs = f"pvlib {pvlib.__version__}, pandas {pd.__version__}, numpy {np.__version__}"
    quartier_cmd = " ".join(cmd)
    lines = [
        "# Quartier PV chain vs pvlib",
        "",
        "Generated by `tools/pvlib_compare.py` (do not edit by hand). Command, from the "
        "repository root:",
        "",
        "```",
        "tools/.venv/bin/python tools/pvlib_compare.py"
        + (f" --quartier {a.quartier}" if a.quartier else ""),
        "```",
        "",
    ] + ([a.note, ""] if a.note else []) + [
        f"Weather: `{a.weather.name}` (PVGIS TMY, {lat} N {lon} E, {alt} m, {len(data)} hourly "
        f"rows), read by `pvlib.iotools.read_pvgis_tmy` for pvlib and by `{quartier_cmd} pv "
        f"--format pvgis-tmy-csv` for Quartier. Sun evaluated by both at interval start + "
        f"{rows[0][9]:.3f} min (Quartier's `sample_offset_minutes` for this file). "
        f"Reference: {pkgs}, Python {sys.version.split()[0]}. Chain: SPA, Spencer DNI_extra, "
        "Kasten–Young air mass, Perez 1990 all-sites composite or Hay–Davies, albedo 0.2, "
        "Faiman (25, 6.84) or SAPM open-rack glass/glass, PVWatts DC (γ −0.4 %/°C), 14 % flat "
        "loss, PVWatts inverter η 0.96 (η_ref 0.9637), no IAM.",
        "",
        "| system | Quartier kWh | pvlib kWh | kWh/kWp | annual diff | hourly r | max hourly \\|Δ\\| kWh | pvlib chain ms | Quartier wall ms | Quartier chain ms | pvlib / Quartier (wall, chain) | ok |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    for s, ann_q, ann_p, rel, corr, maxdiff, t_p, wall, inproc, _, ok in rows:
        lines.append(
            f"| {s.name} | {ann_q:,.2f} | {ann_p:,.2f} | {ann_q / s.kwp:,.1f} | {rel * 100:+.2e} % "
            f"| {corr:.9f} | {maxdiff:.1e} | {t_p * 1000:.0f} | {wall * 1000:.0f} | {inproc * 1000:.0f} "
            f"| {t_p / wall:.2f}×, {t_p / inproc:.2f}× | {'yes' if ok else 'NO'} |")
    lines += [
        "",
        "Thresholds: |annual diff| ≤ 3 % and r ≥ 0.98 (exit 1 otherwise). Timings: pvlib is the "
        "in-process chain for one system-year (solar position to inverter); Quartier wall time "
        "includes process start, reading the weather file and writing the CSV; chain ms is "
        "Quartier's in-process chain (`--timing`). Single runs on a shared 2-core machine: "
        "indicative only.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    a.md.parent.mkdir(parents=True, exist_ok=True)
    a.md.write_text(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
