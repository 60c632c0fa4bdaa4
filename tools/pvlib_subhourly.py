#!/usr/bin/env python3
"""Sub-hourly weather made from an hourly file: `quartier pv --step` vs pvlib, and why interpolate.

Setup (once; same pinned environment as tools/pvlib_compare.py):
    python3 -m venv tools/.venv && tools/.venv/bin/pip install -r tools/requirements-pvlib.txt
Run from the repository root:
    tools/.venv/bin/python tools/pvlib_subhourly.py [--quartier target/release/quartier] \
        [--md tools/results/pvlib_subhourly.md]

The hourly file's irradiance is placed on a finer step of s minutes (k = 60 / s sub-steps per
hour) by clear-sky-index interpolation, implemented here independently of Quartier with pvlib
and numpy only:

1. Hour h starts at t_h (UTC); the sun of sub-step j is taken at its middle t_h + (j + 0.5) s.
   Where the hourly value sits (--anchor): an hour *mean* over [t_h, t_h + 1 h), anchored at
   the hour middle t_h + 30 min; or an *instantaneous sample* at t_h + the file's sample
   offset (PVGIS: the TMY's "Irradiance Time Offset", 10.566 min here; a series' HH:MM).
   Default `auto`, as Quartier's crates/solar/src/subhourly.rs: mean when the offset is
   30 min (e.g. a generic CSV of interval means), else instantaneous; `--anchor middle`
   takes every file as hour means (the method as first specified).
2. Clear-sky GHI at each sub-step middle: `pvlib.clearsky.haurwitz(apparent_zenith)`
   (1098 cos z exp(-0.059 / cos z) for cos z > 0, else 0), the zenith from `get_solarposition`
   (nrel_numpy, pressure from altitude, 12 degC, delta_t estimated), as in pvlib_compare.py.
3. kt_h = GHI_h / reference: the mean of the hour's sub-step clear-sky GHI (mean), or the
   clear-sky GHI at the sample instant (instantaneous); defined when the reference >= 1 W/m2
   and GHI_h > 0; clipped to [0, 2] (`--kt-clip both`, default; `substep`: not clipped here).
4. kt at each sub-step middle: linear in time between the hour's anchor and the adjacent
   hour's anchor on the sub-step's side; the hour's own kt when that hour is undefined or
   outside the file. Clipped to [0, 2].
5. GHI_sub = kt_sub GHI_cs_sub; for means, rescaled so that the hour's sub-step mean is GHI_h
   exactly. GHI_h held flat when GHI_h > 0 but kt_h is undefined.
6. DHI_sub = d_h GHI_sub with d_h = clip(DHI_h / GHI_h, 0, 1); DNI_sub = (GHI_sub - DHI_sub) /
   cos z_sub when cos z_sub > cos 89 deg, else 0, clipped to [0, 1361 x 1.1] (`--dni-cap
   extra`: the extraterrestrial DNI, as Quartier). z is the apparent zenith (`--closure-zenith
   true`: the true zenith). GHI_h <= 0: all three 0.
7. Air temperature and wind: linear between the same anchors, held beyond the file's edges.

pvlib's PVWatts chain (`pvlib_compare.pvlib_chain`, the same four systems) then runs on the
sub-step series, the sun at each sub-step middle; AC kWh per sub-step = kW x s / 60.

Weather files: the shared PVGIS TMY (`read_pvgis_tmy`, rows placed on Quartier's reference
year 1990); the shared PVGIS hourly sample (`read_pvgis_hourly`) is checked but only usable
when exported with slope 0 (horizontal components), as Quartier requires; since the shared
one is plane-of-array (slope 30 deg), a horizontal `seriescalc` CSV is derived from the TMY
(rows at HH:10, Gb(i) = GHI - DHI, Gd(i) = DHI, Gr(i) = 0, H_sun = pvlib's apparent elevation
at HH:10) so that Quartier's hourly-series reader (rows at HH:MM -> interval HH:00, sample
offset MM) is exercised too. The sub-hourly method ignores the file's DNI and sample offset,
so this file's sub-hourly series equal the TMY's.

Without --quartier, pvlib only: annual kWh of the hourly chain (sun at interval start + the
file's sample offset, as pvlib_compare.py), of a held-flat sub-hourly chain (every hourly
column repeated over the sub-steps) and of the interpolated one; the mean |step-to-step change|
of GHI within hours and at hour boundaries (why we interpolate); checks (hour means kept,
flat-held hours, DNI clipping); annual kWh with the value taken as an hour mean vs as an
instantaneous sample; and the effect of the method's other open choices.

With --quartier BIN: for each file, system and step (15, 10 min) runs
`BIN pv --weather FILE --format F --step S ... --out OUT.csv` and the hourly run (no --step),
and compares per sub-step: AC kWh (annual, relative difference, Pearson r, max |diff|) and,
when Quartier's CSV has them (ghi_w_m2, dni_w_m2, dhi_w_m2, temp_air_c, wind_speed_m_s), the
interpolated weather (max |diff|). Exit status 1 when an annual difference exceeds 1 % or a
sub-step correlation is below 0.99 (or, pvlib only, when an hour mean is not kept).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pvlib_compare as pc  # noqa: E402  (SYSTEMS, pvlib_chain, System)

ROOT = pc.ROOT
DATA = ROOT.parent / "shared/data"
DEFAULT_TMY = DATA / "pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv"
DEFAULT_SERIES = DATA / "pvlib_pvgis_hourly_45.000_8.000_2016_sample.csv"
STEPS = (15, 10)
TYPICAL_REFERENCE_YEAR, TYPICAL_REFERENCE_LEAP_YEAR = 1990, 1988  # Quartier's (weather.rs)
CS_MIN = 1.0  # W/m2: clear-sky hour mean below which kt_h is undefined
KT_MAX = 2.0
COS_MIN = float(np.cos(np.radians(89.0)))  # 0.017452: DNI_sub = 0 below 1 deg of sun
DNI_MAX = 1361.0 * 1.1
COLS = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
Q_COLS = {"ghi": "ghi_w_m2", "dni": "dni_w_m2", "dhi": "dhi_w_m2", "temp_air": "temp_air_c",
          "wind_speed": "wind_speed_m_s"}
MAX_REL, MIN_R = 0.01, 0.99


@dataclass
class Hourly:
    """An hourly weather file on Quartier's axis (interval starts, UTC)."""
    label: str
    path: Path
    fmt: str  # quartier --format
    data: pd.DataFrame  # index: interval start; COLS
    lat: float
    lon: float
    alt: float
    offset_min: float  # where Quartier evaluates the sun for the hourly run
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- reading

def _check_hourly(idx: pd.DatetimeIndex, what: str) -> None:
    d = np.diff(idx.asi8)
    if len(idx) < 2 or (d != 3_600 * 10**9).any():
        sys.exit(f"{what}: the rows are not contiguous hours")


def read_tmy(path: Path) -> Hourly:
    data, meta = pvlib.iotools.read_pvgis_tmy(str(path), map_variables=True)
    loc = meta.get("inputs", meta)
    leap = ((data.index.month == 2) & (data.index.day == 29)).any()
    year = TYPICAL_REFERENCE_LEAP_YEAR if leap else TYPICAL_REFERENCE_YEAR
    # Like Quartier (coerce_typical_year): the rows, months of different years, on one year.
    idx = pd.DatetimeIndex([t.replace(year=year) for t in data.index])
    _check_hourly(idx, str(path))
    df = pd.DataFrame({c: data[c].to_numpy(dtype=float) for c in COLS}, index=idx)
    off_h = float(loc.get("irradiance time offset", 0.0) or 0.0)
    return Hourly("PVGIS TMY", path, "pvgis-tmy-csv", df, float(loc["latitude"]),
                  float(loc["longitude"]), float(loc["elevation"]),
                  off_h * 60.0 if 0.0 <= off_h < 1.0 else 0.0)


def read_series(path: Path, label: str) -> tuple[Hourly | None, str]:
    """A PVGIS hourly series (seriescalc CSV) converted as Quartier's reader does, or None
    with the reason when it holds plane-of-array irradiance."""
    data, meta = pvlib.iotools.read_pvgis_hourly(str(path), map_variables=True)
    loc = meta.get("inputs", meta)
    slope = loc.get("Slope", loc.get("slope"))
    m = re.match(r"\s*([-0-9.]+)", str(slope)) if slope is not None else None
    desc = f"{len(data)} rows at HH:{data.index[0].minute:02d}, {data.index[0]:%Y-%m-%d}…{data.index[-1]:%Y-%m-%d}"
    if m is None or float(m.group(1)) != 0.0:
        return None, (f"{desc}, slope {slope!r}: plane-of-array components, not horizontal; "
                      "not usable by the method (no GHI/DHI)")
    minutes = set(data.index.minute)
    if len(minutes) != 1:
        sys.exit(f"{path}: rows at different minutes {sorted(minutes)}")
    start = data.index.floor("h")
    _check_hourly(start, str(path))
    gb, gd, gr = (data[c].to_numpy(dtype=float) for c in
                  ("poa_direct", "poa_sky_diffuse", "poa_ground_diffuse"))
    h_sun = data["solar_elevation"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dni = np.where(h_sun > 0.5, gb / np.sin(np.radians(h_sun)), 0.0)  # as pvgis.rs
    df = pd.DataFrame({"ghi": gb + gd + gr, "dni": dni, "dhi": gd,
                       "temp_air": data["temp_air"].to_numpy(dtype=float),
                       "wind_speed": data["wind_speed"].to_numpy(dtype=float)}, index=start)
    return Hourly(label, path, "pvgis-hourly-csv", df, float(loc["latitude"]),
                  float(loc["longitude"]), float(loc["elevation"]),
                  float(data.index[0].minute)), desc


def write_derived_series(tmy: Hourly, template: Path, out: Path, minute: int = 10) -> list[str]:
    """A horizontal PVGIS seriescalc CSV (slope 0) made from the TMY, rows at HH:`minute`."""
    h = tmy.data
    t = h.index + pd.Timedelta(minutes=minute)
    sp = pvlib.solarposition.get_solarposition(t, tmy.lat, tmy.lon, altitude=tmy.alt,
                                               method="nrel_numpy", delta_t=None)
    ghi, dhi = h["ghi"].to_numpy(), h["dhi"].to_numpy()
    gb = np.round(np.maximum(ghi - dhi, 0.0), 2)
    notes = []
    if (ghi < dhi).any():
        notes.append(f"{int((ghi < dhi).sum())} TMY hours with GHI < DHI: Gb(i) set to 0")
    head = template.read_text().split("\n")
    header = []
    for line in head:
        if line.startswith("time,"):
            break
        header.append("Slope: 0 deg. " if line.startswith("Slope:") else line)
    tail = head[head.index(next(x for x in head if x.startswith("time,"))) + 1:]
    tail = tail[next(i for i, x in enumerate(tail) if not x[:1].isdigit()):]
    rows = [f"{ti:%Y%m%d:%H%M},{b:.2f},{d:.2f},0.0,{e:.2f},{ta:.2f},{ws:.2f},0.0"
            for ti, b, d, e, ta, ws in zip(t, gb, dhi, sp["apparent_elevation"].to_numpy(),
                                             h["temp_air"].to_numpy(), h["wind_speed"].to_numpy())]
    out.write_text("\n".join(header + ["time,Gb(i),Gd(i),Gr(i),H_sun,T2m,WS10m,Int"] + rows
                             + tail))
    return notes


# --------------------------------------------------------------------------- the method

@dataclass
class Sub:
    """Sub-step weather: index = sub-step start; COLS; plus diagnostics."""
    step: int
    data: pd.DataFrame
    sun_times: pd.DatetimeIndex  # sub-step middles
    anchor: str = "flat"
    flat_hours: int = 0
    kt_hours: int = 0
    dni_zeroed: int = 0  # sub-steps with GHI - DHI > 0 but cos z <= COS_MIN
    dni_capped: int = 0
    beam_lost_kwh_m2: float = 0.0  # horizontal beam dropped by those two, kWh/m2


def sub_times(h: Hourly, step: int) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    k = 60 // step
    starts = (h.data.index.repeat(k)
              + pd.to_timedelta(np.tile(np.arange(k) * step, len(h.data)), unit="min"))
    return starts, starts + pd.Timedelta(minutes=step / 2)


def between(mids: pd.DatetimeIndex, anchors: pd.DatetimeIndex, own: np.ndarray,
            k: int) -> np.ndarray:
    """Per-hour values `own` (nan = undefined) at the sub-step middles `mids` (k per hour):
    linear in time between the hour's anchor and the adjacent hour's anchor on the sub-step's
    side; the hour's own value when that neighbour is undefined or outside the file."""
    n = len(own)
    x = mids.asi8.astype(float).reshape(n, k)
    xa = anchors.asi8.astype(float)
    before = x < xa[:, None]
    nb_val = np.where(before, np.concatenate([[np.nan], own[:-1]])[:, None],
                      np.concatenate([own[1:], [np.nan]])[:, None])
    nb_x = np.where(before, np.concatenate([[np.nan], xa[:-1]])[:, None],
                    np.concatenate([xa[1:], [np.nan]])[:, None])
    with np.errstate(invalid="ignore"):
        lerp = own[:, None] + (nb_val - own[:, None]) * (x - xa[:, None]) / (nb_x - xa[:, None])
    return np.where(np.isnan(nb_val), own[:, None], lerp)


def resolve_anchor(h: Hourly, anchor: str) -> str:
    """'middle': every hourly value is the mean over its hour (the method as specified);
    'sample': the value is the instant t_h + the file's sample offset; 'auto': 'middle' when
    the file's sample offset is half an hour, else 'sample' (what Quartier's
    crates/solar/src/subhourly.rs does)."""
    if anchor == "auto":
        return "middle" if abs(h.offset_min - 30.0) < 1e-6 else "sample"
    return anchor


def clear_sky_index_subhourly(h: Hourly, step: int, anchor: str = "middle",
                              kt_clip: str = "both", closure_zenith: str = "apparent",
                              dni_cap: str = "1.1sc") -> Sub:
    """The method of the module docstring. `anchor` (see resolve_anchor): 'middle' takes each
    hourly value as the hour's mean (clear-sky reference = mean over the hour's sub-steps, kt
    anchored at the hour middle, sub-steps rescaled to the hour mean); 'sample' takes it as
    an instantaneous sample at t_h + offset (clear-sky reference at that instant, kt and
    temperature/wind anchored there, no rescaling). `kt_clip`: 'substep' clips the
    interpolated kt only, 'both' also kt_h before interpolating. `dni_cap`: '1.1sc' = 1361 x
    1.1, 'extra' = pvlib's extraterrestrial DNI (Spencer) of the sub-step."""
    if 60 % step:
        sys.exit(f"step {step} does not divide the hour")
    anchor = resolve_anchor(h, anchor)
    n, k = len(h.data), 60 // step
    starts, mids = sub_times(h, step)
    sp = pvlib.solarposition.get_solarposition(mids, h.lat, h.lon, altitude=h.alt,
                                               method="nrel_numpy", delta_t=None)
    cs = pvlib.clearsky.haurwitz(sp["apparent_zenith"])["ghi"].to_numpy().reshape(n, k)
    ghi_h = h.data["ghi"].to_numpy()
    dhi_h = h.data["dhi"].to_numpy()
    if anchor == "middle":
        anchors = h.data.index + pd.Timedelta(minutes=30)
        ref = cs.mean(axis=1)
    else:
        anchors = h.data.index + pd.Timedelta(minutes=h.offset_min)
        sp_a = pvlib.solarposition.get_solarposition(anchors, h.lat, h.lon, altitude=h.alt,
                                                     method="nrel_numpy", delta_t=None)
        ref = pvlib.clearsky.haurwitz(sp_a["apparent_zenith"])["ghi"].to_numpy()
    pos = ghi_h > 0.0
    defined = pos & (ref >= CS_MIN)
    kt_h = np.full(n, np.nan)
    kt_h[defined] = ghi_h[defined] / ref[defined]
    if kt_clip == "both":
        kt_h = np.clip(kt_h, 0.0, KT_MAX)
    kt = np.clip(between(mids, anchors, kt_h, k), 0.0, KT_MAX)
    g = np.where(defined[:, None], kt, 0.0) * cs
    ok = defined.copy()
    if anchor == "middle":
        g_mean = g.mean(axis=1)
        ok &= g_mean > 0.0
        scale = np.zeros(n)
        scale[ok] = ghi_h[ok] / g_mean[ok]
        g = g * scale[:, None]
    flat = pos & ~ok
    g[flat] = ghi_h[flat][:, None]
    d_h = np.zeros(n)
    d_h[pos] = np.clip(dhi_h[pos] / ghi_h[pos], 0.0, 1.0)
    dhi = d_h[:, None] * g
    zen = sp["apparent_zenith" if closure_zenith == "apparent" else "zenith"].to_numpy()
    cosz = np.cos(np.radians(zen)).reshape(n, k)
    cap = (np.full((n, k), DNI_MAX) if dni_cap == "1.1sc" else
           pvlib.irradiance.get_extra_radiation(mids).to_numpy().reshape(n, k))
    beam_h = g - dhi
    lit = cosz > COS_MIN
    with np.errstate(divide="ignore", invalid="ignore"):
        dni_raw = np.where(lit, beam_h / cosz, 0.0)
    dni = np.clip(dni_raw, 0.0, cap)
    zeroed = (~lit) & (beam_h > 0.0)
    capped = lit & (dni_raw > cap)
    lost = np.where(zeroed, beam_h, 0.0) + np.where(capped, (dni_raw - cap) * cosz, 0.0)
    met = {c: between(mids, anchors, h.data[c].to_numpy(dtype=float), k).ravel()
           for c in ("temp_air", "wind_speed")}
    df = pd.DataFrame({"ghi": g.ravel(), "dni": dni.ravel(), "dhi": dhi.ravel(), **met},
                      index=starts)
    return Sub(step, df, mids, anchor=anchor, flat_hours=int(flat.sum()), kt_hours=int(ok.sum()),
               dni_zeroed=int(zeroed.sum()), dni_capped=int(capped.sum()),
               beam_lost_kwh_m2=float(lost.sum() * step / 60.0 / 1000.0))


def held_flat_subhourly(h: Hourly, step: int) -> Sub:
    """Every hourly column repeated over the hour's sub-steps (a plain forward fill)."""
    k = 60 // step
    starts, mids = sub_times(h, step)
    df = pd.DataFrame({c: np.repeat(h.data[c].to_numpy(), k) for c in COLS}, index=starts)
    return Sub(step, df, mids)


def hour_mean_error(h: Hourly, s: Sub) -> float:
    k = 60 // s.step
    return float(np.abs(s.data["ghi"].to_numpy().reshape(-1, k).mean(axis=1)
                        - np.maximum(h.data["ghi"].to_numpy(), 0.0)).max())


def smoothness(s: Sub) -> tuple[float, float]:
    """Mean |GHI step-to-step change| (W/m2) within hours and at hour boundaries, over pairs
    of consecutive sub-steps of which at least one is lit."""
    k = 60 // s.step
    g = s.data["ghi"].to_numpy()
    d = np.abs(np.diff(g))
    lit = (g[:-1] > 0) | (g[1:] > 0)
    boundary = (np.arange(1, len(g)) % k) == 0
    return float(d[lit & ~boundary].mean()), float(d[lit & boundary].mean())


def chain_kwh(h_or_sub, sun_times: pd.DatetimeIndex, hourly: Hourly, system: pc.System,
              hours_per_row: float) -> np.ndarray:
    return pc.pvlib_chain(h_or_sub, sun_times, hourly.lat, hourly.lon, hourly.alt,
                          system) * hours_per_row


# ------------------------------------------------------------------------------ Quartier

def run_quartier(binary: str, h: Hourly, s: pc.System, step: int | None,
                 out: Path) -> tuple[pd.DataFrame, float | None, str]:
    args = [binary, "pv", "--weather", str(h.path), "--format", h.fmt,
            "--kwp", str(s.kwp), "--tilt", str(s.tilt), "--azimuth", str(s.azimuth),
            "--losses", str(s.losses_pct), "--dc-ac-ratio", str(s.dc_ac_ratio),
            "--inverter-efficiency", str(s.eta_inv), "--gamma", str(s.gamma),
            "--albedo", str(s.albedo), "--transposition", s.transposition,
            "--temperature", s.temperature, "--out", str(out)]
    if step is not None:
        args += ["--step", str(step)]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"quartier failed ({proc.returncode}): {' '.join(args)}\n{proc.stderr}")
    text = proc.stdout + proc.stderr
    m = re.search(r"sample offset:\s*([-0-9.]+)\s*min", text)
    df = pd.read_csv(out)
    df["time_utc"] = pd.to_datetime(df["time_utc"], utc=True)
    return df, (float(m.group(1)) if m else None), text


def quartier_rejects(binary: str, path: Path) -> str:
    """Quartier's error on a file it should refuse (the plane-of-array hourly sample)."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([binary, "pv", "--weather", str(path), "--format",
                               "pvgis-hourly-csv", "--kwp", "1", "--tilt", "30",
                               "--out", str(Path(tmp) / "x.csv")],
                              capture_output=True, text=True, cwd=ROOT)
    if proc.returncode == 0:
        return "Quartier ACCEPTED it (unexpected)"
    lines = [x for x in proc.stderr.strip().splitlines() if x.strip()]
    msg = lines[0] if lines else f"exit {proc.returncode}"
    return "Quartier rejects it: " + msg.split(".csv: ")[-1]


def check_times(q: pd.DataFrame, expected: pd.DatetimeIndex, what: str) -> None:
    if len(q) != len(expected):
        sys.exit(f"{what}: quartier wrote {len(q)} rows, expected {len(expected)}")
    bad = q["time_utc"].to_numpy() != expected.to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        sys.exit(f"{what}: {int(bad.sum())} time_utc values differ, first at row {i}: "
                 f"quartier {q['time_utc'].iloc[i]}, expected {expected[i]}")


# --------------------------------------------------------------------------------- main

def fmt_rel(x: float) -> str:
    return f"{x * 100:+.3f} %"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tmy", type=Path, default=DEFAULT_TMY)
    ap.add_argument("--series", type=Path, default=DEFAULT_SERIES,
                    help="PVGIS hourly series (seriescalc CSV); used when exported with slope 0")
    ap.add_argument("--quartier", help="path to a built quartier binary (with `pv --step`)")
    ap.add_argument("--steps", type=int, nargs="+", default=list(STEPS))
    ap.add_argument("--anchor", choices=["auto", "middle", "sample"], default="auto",
                    help="where an hourly value sits: 'middle' = the hour's mean (kt at HH:30, "
                    "sub-steps rescaled to the hour mean); 'sample' = the instant t_h + the "
                    "file's sample offset (no rescaling); 'auto' (default, as Quartier): "
                    "'middle' when the file's offset is 30 min, else 'sample'")
    ap.add_argument("--kt-clip", choices=["both", "substep"], default="both",
                    help="clip kt_h to [0, 2] before interpolating and the sub-step kt after "
                    "(default), or only the sub-step kt")
    ap.add_argument("--closure-zenith", choices=["apparent", "true"], default="apparent",
                    help="zenith of DNI = (GHI - DHI) / cos z")
    ap.add_argument("--dni-cap", choices=["1.1sc", "extra"], default="1.1sc",
                    help="upper bound of the sub-step DNI: 1361 x 1.1 W/m2 (default) or the "
                    "extraterrestrial DNI of the sub-step (pvlib get_extra_radiation)")
    ap.add_argument("--md", type=Path, help="Markdown report to write")
    ap.add_argument("--note", default="", help="a sentence added to the report")
    a = ap.parse_args()
    for st in a.steps:
        if st not in (5, 10, 15, 20, 30):
            sys.exit(f"--steps: {st} is not one of 5, 10, 15, 20, 30")

    method = dict(anchor=a.anchor, kt_clip=a.kt_clip, closure_zenith=a.closure_zenith,
                  dni_cap=a.dni_cap)
    failed = False
    tmp = tempfile.TemporaryDirectory()
    tmpdir = Path(tmp.name)
    tmy = read_tmy(a.tmy)
    files = [tmy]
    series, series_desc = read_series(a.series, "PVGIS hourly series")
    if series is not None:
        files.append(series)
    else:
        if a.quartier:
            series_desc += f"; {quartier_rejects(a.quartier, a.series)}"
        else:
            series_desc += "; Quartier's reader requires slope 0 (crates/timeseries/src/pvgis.rs)"
        derived = tmpdir / "pvgis_hourly_horizontal_from_tmy.csv"
        notes = write_derived_series(tmy, a.series, derived)
        d, _ = read_series(derived, "horizontal seriescalc derived from the TMY")
        assert d is not None
        d.notes += notes
        files.append(d)

    # ---- pvlib only
    energy = []  # (file, step, system, hourly, flat, interp)
    smooth = []  # (file, step, within flat, boundary flat, within interp, boundary interp)
    checks = []  # (file, step, Sub, hour mean error)
    subs: dict[tuple[str, int], Sub] = {}
    sub_kwh: dict[tuple[str, int, int], np.ndarray] = {}
    hourly_kwh: dict[tuple[str, int], np.ndarray] = {}
    for f in files:
        hours_sun = f.data.index + pd.Timedelta(minutes=f.offset_min)
        for i, s in enumerate(pc.SYSTEMS):
            hourly_kwh[(f.label, i)] = chain_kwh(f.data, hours_sun, f, s, 1.0)
        for st in a.steps:
            sub = clear_sky_index_subhourly(f, st, **method)
            flat = held_flat_subhourly(f, st)
            subs[(f.label, st)] = sub
            err = hour_mean_error(f, sub)
            failed |= sub.anchor == "middle" and err > 1e-6
            checks.append((f.label, st, sub, err))
            smooth.append((f.label, st) + smoothness(flat) + smoothness(sub))
            for i, s in enumerate(pc.SYSTEMS):
                e_flat = chain_kwh(flat.data, flat.sun_times, f, s, st / 60.0).sum()
                sub_kwh[(f.label, st, i)] = chain_kwh(sub.data, sub.sun_times, f, s, st / 60.0)
                energy.append((f.label, st, s, hourly_kwh[(f.label, i)].sum(), e_flat,
                               sub_kwh[(f.label, st, i)].sum()))

    # Where the hourly value sits. 'middle': the mean over [HH:00, HH+1:00), kt at HH:30;
    # 'sample': an instant at t_h + the file's offset, kt there, no rescaling; and, for
    # reference, 'middle' with every hour's window centred at the sample instant instead
    # (t_h + offset -/+ 30 min: sub-steps off Quartier's grid, annual energy only).
    st0, s0 = a.steps[0], pc.SYSTEMS[0]
    centring = []  # (file, system, hourly, middle, sample, window centred at the sample)
    for f in files:
        shifted = dataclasses.replace(f, data=f.data.set_axis(
            f.data.index + pd.Timedelta(minutes=f.offset_min - 30.0)))
        vs = {m: clear_sky_index_subhourly(f, st0, **{**method, "anchor": m})
              for m in ("middle", "sample")}
        vs["centred"] = clear_sky_index_subhourly(shifted, st0, **{**method, "anchor": "middle"})
        for i, s in enumerate(pc.SYSTEMS):
            e = {m: chain_kwh(v.data, v.sun_times, f, s, st0 / 60.0).sum() for m, v in vs.items()}
            centring.append((f, s, hourly_kwh[(f.label, i)].sum(), e["middle"], e["sample"],
                             e["centred"]))
        f.notes.append("annual GHI of the sub-steps (kWh/m²): "
                       + ", ".join(f"{m} {v.data['ghi'].sum() * st0 / 60e3:.3f}"
                                   for m, v in vs.items())
                       + f" (file: {f.data['ghi'].clip(lower=0).sum() / 1e3:.3f})")
        closure = []
        for off in (f.offset_min, 30.0):
            sp = pvlib.solarposition.get_solarposition(
                f.data.index + pd.Timedelta(minutes=off), f.lat, f.lon, altitude=f.alt,
                method="nrel_numpy", delta_t=None)
            cz = np.cos(np.radians(sp["apparent_zenith"].to_numpy()))
            lit = (f.data["ghi"].to_numpy() > 0) & (cz > COS_MIN)
            res = (f.data["ghi"] - f.data["dhi"] - f.data["dni"] * cz).to_numpy()[lit]
            closure.append(float(np.abs(res).mean()))
        f.notes.append(f"closure |GHI − DHI − DNI cos z| mean over lit hours: "
                       f"{closure[0]:.2f} W/m² with the sun at +{f.offset_min:.3f} min, "
                       f"{closure[1]:.2f} W/m² at +30 min")

    # Sensitivity to the method's other open choices (TMY, first step, first system), for
    # both anchors.
    sens = []  # (anchor, variant, max |dGHI|, max |dDNI|, relative annual kWh change)
    other = {"kt_clip": {"both": "substep", "substep": "both"},
             "closure_zenith": {"apparent": "true", "true": "apparent"},
             "dni_cap": {"1.1sc": "extra", "extra": "1.1sc"}}
    label = {"both": "kt_h and sub-step kt clipped", "substep": "only the sub-step kt clipped",
             "apparent": "DNI closure on the apparent zenith", "true":
             "DNI closure on the true zenith", "1.1sc": "DNI capped at 1361 × 1.1",
             "extra": "DNI capped at the extraterrestrial DNI"}
    for anchor in ("middle", "sample"):
        m0 = {**method, "anchor": anchor}
        base = clear_sky_index_subhourly(tmy, st0, **m0)
        base_kwh = chain_kwh(base.data, base.sun_times, tmy, s0, st0 / 60.0).sum()
        for key, alt in other.items():
            v = clear_sky_index_subhourly(tmy, st0, **{**m0, key: alt[m0[key]]})
            e = chain_kwh(v.data, v.sun_times, tmy, s0, st0 / 60.0).sum()
            sens.append((anchor, f"{label[m0[key]]} → {label[alt[m0[key]]]}",
                         np.abs(v.data["ghi"] - base.data["ghi"]).max(),
                         np.abs(v.data["dni"] - base.data["dni"]).max(),
                         (e - base_kwh) / base_kwh))

    # ---- Quartier
    qrows = []  # (file, step, system, q hourly, p hourly, q sub, p sub, rel, r, maxd, irr, offset, ok)
    if a.quartier:
        for f in files:
            for i, s in enumerate(pc.SYSTEMS):
                qh, off_h, _ = run_quartier(a.quartier, f, s, None, tmpdir / "h.csv")
                check_times(qh, f.data.index, f"{f.label}, hourly, {s.name}")
                if off_h is not None and abs(off_h - f.offset_min) > 1e-3:
                    print(f"warning: {f.label}: Quartier's hourly sample offset {off_h} min, "
                          f"pvlib side used {f.offset_min} min", file=sys.stderr)
                q_hourly = qh["ac_kwh"].sum()
                for st in a.steps:
                    sub = subs[(f.label, st)]
                    p_kwh = sub_kwh[(f.label, st, i)]
                    q, off, _ = run_quartier(a.quartier, f, s, st, tmpdir / "s.csv")
                    check_times(q, sub.data.index, f"{f.label}, step {st}, {s.name}")
                    e_q = q["ac_kwh"].to_numpy()
                    ann_q, ann_p = e_q.sum(), p_kwh.sum()
                    rel = (ann_q - ann_p) / ann_p
                    r = float(np.corrcoef(e_q, p_kwh)[0, 1])
                    maxd = float(np.abs(e_q - p_kwh).max())
                    irr = {}
                    for c, qc in Q_COLS.items():
                        if qc in q.columns:
                            dif = np.abs(q[qc].to_numpy(dtype=float) - sub.data[c].to_numpy())
                            j = int(np.argmax(dif))
                            irr[c] = (float(dif[j]), sub.data.index[j])
                    ok = abs(rel) <= MAX_REL and r >= MIN_R
                    failed |= not ok
                    qrows.append((f.label, st, s, q_hourly, hourly_kwh[(f.label, i)].sum(),
                                  ann_q, ann_p, rel, r, maxd, irr, off, ok))

    # ---- report
    pkgs = f"pvlib {pvlib.__version__}, pandas {pd.__version__}, numpy {np.__version__}"
    cmd = "tools/.venv/bin/python tools/pvlib_subhourly.py" + (
        f" --quartier {a.quartier}" if a.quartier else "") + (
        f" --anchor {a.anchor}" if a.anchor != "auto" else "") + (
        f" --kt-clip {a.kt_clip}" if a.kt_clip != "both" else "") + (
        f" --closure-zenith {a.closure_zenith}" if a.closure_zenith != "apparent" else "") + (
        f" --dni-cap {a.dni_cap}" if a.dni_cap != "1.1sc" else "") + (
        f" --steps {' '.join(map(str, a.steps))}" if list(a.steps) != list(STEPS) else "") + (
        f" --md {a.md}" if a.md else "")
    L = [
        "# Sub-hourly weather from an hourly file: clear-sky-index interpolation, Quartier vs pvlib",
        "",
        "Generated by `tools/pvlib_subhourly.py` (do not edit by hand). Command, from the "
        "repository root:",
        "", "```", cmd, "```", "",
    ] + ([a.note, ""] if a.note else []) + [
        f"Reference: {pkgs}, Python {sys.version.split()[0]}. Method (pvlib side, independent "
        "of Quartier): Haurwitz clear-sky GHI (`pvlib.clearsky.haurwitz`, apparent zenith) at "
        "each sub-step middle; the hour's clear-sky index kt_h = GHI_h / clear-sky reference "
        f"(defined when the reference ≥ {CS_MIN:g} W/m² and GHI_h > 0), linear in time between "
        "the anchors of adjacent hours (the hour's own kt next to an undefined hour or the "
        f"file's edge), clipped to [0, {KT_MAX:g}] "
        f"({'kt_h and sub-step kt' if a.kt_clip == 'both' else 'sub-step kt only'}); "
        f"anchor `--anchor {a.anchor}`: "
        + {"middle": "every file is taken as hour means", "sample": "every file is taken as "
           "instantaneous samples", "auto": "hour means when the file's sample offset is 30 min, "
           "else instantaneous samples (as Quartier)"}[a.anchor]
        + ". Hour means: reference = mean clear-sky GHI of the hour's sub-steps, anchor = hour "
        "middle, sub-steps rescaled so that the hour's mean is GHI_h exactly. Instantaneous "
        "samples: reference = clear-sky GHI at the sample instant t_h + offset, anchor = that "
        "instant, no rescaling. Hours with GHI_h > 0 but no reference are held flat; diffuse "
        "fraction of the hour held; DNI = (GHI − DHI) / cos z "
        f"({a.closure_zenith} zenith) when cos z > cos 89° = {COS_MIN:.6f}, clipped to [0, "
        + (f"{DNI_MAX:.1f}]" if a.dni_cap == "1.1sc" else "extraterrestrial DNI]")
        + "; temperature and wind linear between the same anchors (held beyond the file's "
        "first and last). Chain: as `tools/pvlib_compare.py` (same four systems), the sun at "
        "each sub-step middle.",
        "",
        "## Weather files",
        "",
        "| file | rows | use |",
        "|---|---:|---|",
        f"| `{tmy.path.name}` | {len(tmy.data)} | PVGIS TMY, `read_pvgis_tmy`; rows on "
        f"{tmy.data.index[0].year}; hourly chain's sun at start + {tmy.offset_min:.3f} min |",
    ]
    if series is not None:
        L.append(f"| `{series.path.name}` | {len(series.data)} | PVGIS hourly series, "
                 f"horizontal: {series_desc}; sun at start + {series.offset_min:g} min |")
    else:
        L.append(f"| `{a.series.name}` | — | not used: {series_desc} |")
        d = files[-1]
        L.append(f"| (derived) horizontal seriescalc CSV from the TMY | {len(d.data)} | rows "
                 f"at HH:10, slope 0, Gb(i) = GHI − DHI, Gd(i) = DHI, Gr(i) = 0, H_sun = "
                 f"apparent elevation at HH:10; read like Quartier (interval HH:00, sun at "
                 f"+{d.offset_min:g} min for the hourly chain) |")
    L += ["", "Notes: " + "; ".join(f"{f.label}: {n}" for f in files for n in f.notes) + "."]
    L += [
        "",
        "## pvlib only: hourly chain, held-flat sub-steps, interpolated sub-steps",
        "",
        "Annual AC kWh. *Held flat*: every hourly column (GHI, DNI, DHI, temperature, wind) "
        "repeated over the hour's sub-steps, the sun at each sub-step middle. *Interpolated*: "
        "the method above.",
        "",
        "| file | step | system | hourly kWh | held flat kWh | vs hourly | interpolated kWh | vs hourly |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for fl, st, s, eh, ef, ei in energy:
        L.append(f"| {fl} | {st} min | {s.name} | {eh:,.1f} | {ef:,.1f} | {fmt_rel((ef - eh) / eh)} "
                 f"| {ei:,.1f} | {fmt_rel((ei - eh) / eh)} |")
    L += [
        "",
        "Smoothness: mean |GHI change| between consecutive sub-steps (W/m², pairs with at least "
        "one lit sub-step), within an hour and across an hour boundary.",
        "",
        "| file | step | held flat: within | held flat: boundary | interpolated: within | interpolated: boundary |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for fl, st, wf, bf, wi, bi in smooth:
        L.append(f"| {fl} | {st} min | {wf:.2f} | {bf:.2f} | {wi:.2f} | {bi:.2f} |")
    L += [
        "",
        "Checks of the interpolated series: anchor used; max |hour mean of the sub-steps − "
        "GHI_h| (≈ 0 for hour means; not enforced for instantaneous samples); hours "
        "interpolated through kt; hours with GHI_h > 0 held flat (no clear-sky reference); "
        "sub-steps whose beam was dropped (sun below 1°) or whose DNI was capped, and the "
        "horizontal beam energy they lose (kWh/m² over the file; GHI keeps it, the chain's "
        "transposition does not).",
        "",
        "| file | step | anchor | max hour-mean error W/m² | kt hours | flat hours | DNI dropped | DNI capped | beam lost kWh/m² | annual GHI kWh/m² |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for fl, st, sub, err in checks:
        ghi_kwh = sub.data["ghi"].sum() * st / 60.0 / 1000.0
        L.append(f"| {fl} | {st} min | {sub.anchor} | {err:.1e} | {sub.kt_hours} | {sub.flat_hours} | "
                 f"{sub.dni_zeroed} | {sub.dni_capped} | {sub.beam_lost_kwh_m2:.3f} | {ghi_kwh:.3f} |")
    L += [
        "",
        f"Where an hourly value sits in its hour ({st0} min, annual AC kWh). *Hour mean*: "
        "the value is the mean over [HH:00, HH+1:00), kt anchored at HH:30, sub-steps "
        "rescaled. *Sample instant*: the value is an instant at HH:00 + the file's offset "
        "(the TMY's 'Irradiance Time Offset', a series' HH:MM), kt anchored there, no "
        "rescaling. *Hour-mean window centred at the sample instant*: the hour-mean method "
        "with each window moved to [offset − 30, offset + 30) min (for reference only: its "
        "sub-steps are off Quartier's grid). The files' irradiance closes (GHI = DHI + DNI cos "
        "z) with the sun at the sample instant, not at HH:30 (notes above).",
        "",
        "| file | system | hourly kWh | hour mean | vs hourly | sample instant | vs hourly | window centred at the sample | vs hourly |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f, s, eh, em, es, ec in centring:
        L.append(f"| {f.label} (+{f.offset_min:.3f} min) | {s.name} | {eh:,.1f} | {em:,.1f} | "
                 f"{fmt_rel((em - eh) / eh)} | {es:,.1f} | {fmt_rel((es - eh) / eh)} | "
                 f"{ec:,.1f} | {fmt_rel((ec - eh) / eh)} |")
    L += [
        "",
        f"Sensitivity to the method's other open choices ({tmy.label}, {st0} min, {s0.name}):",
        "",
        "| anchor | variant | max \\|ΔGHI\\| W/m² | max \\|ΔDNI\\| W/m² | annual kWh change |",
        "|---|---|---:|---:|---:|",
    ]
    for anchor, what, dg, dn, rel in sens:
        L.append(f"| {anchor} | {what} | {dg:.3g} | {dn:.3g} | {rel * 100:+.2e} % |")
    if a.quartier:
        have = sorted({c for r in qrows for c in r[10]}, key=COLS.index)
        L += [
            "",
            "## Quartier vs pvlib, per sub-step",
            "",
            f"`{a.quartier} pv --weather FILE --format F --step S …` against the pvlib side "
            "above, and the hourly run (no `--step`) of both. "
            + ("Weather columns compared: " + ", ".join(Q_COLS[c] for c in have) + "."
               if have else "Quartier's CSV has no weather columns: irradiance not compared."),
            "",
            "| file | step | system | Quartier hourly kWh | pvlib hourly kWh | Quartier kWh | "
            "pvlib kWh | annual diff | sub-step r | max \\|Δ\\| kWh | Quartier sub / hourly | "
            + " | ".join(f"max \\|Δ{Q_COLS[c]}\\|" for c in have) + (" | " if have else "")
            + "ok |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(have) + ":-:|",
        ]
        for fl, st, s, qh, ph, aq, ap_, rel, r, maxd, irr, off, ok in qrows:
            cells = "".join(f" {irr[c][0]:.2e} |" if c in irr else " — |" for c in have)
            L.append(f"| {fl} | {st} min | {s.name} | {qh:,.1f} | {ph:,.1f} | {aq:,.1f} | "
                     f"{ap_:,.1f} | {rel * 100:+.2e} % | {r:.6f} | {maxd:.1e} | "
                     f"{fmt_rel((aq - qh) / qh)} |{cells} {'yes' if ok else 'NO'} |")
        offs = sorted({(r[1], r[11]) for r in qrows}, key=lambda x: x[0])
        L += [
            "",
            "Quartier's printed sample offset with --step: "
            + ", ".join(f"{st} min → {o if o is not None else 'not printed'} min" for st, o in offs)
            + " (expected: half the step)."
            + ("" if not have else " Largest weather differences: " + "; ".join(
                f"{Q_COLS[c]} {w[0]:.2e} ({w[1]}, {w[2]} min, {w[3]:%Y-%m-%d %H:%M})"
                for c in have for w in [max(((r[10][c][0], r[0], r[1], r[10][c][1])
                                             for r in qrows if c in r[10]),
                                            key=lambda x: x[0])]) + "."),
            "",
            f"Thresholds: |annual diff| ≤ {MAX_REL * 100:g} % and sub-step r ≥ {MIN_R} "
            "(exit 1 otherwise).",
        ]
    else:
        L += ["", "Quartier not run (no `--quartier`)."]
    L.append("")
    report = "\n".join(L)
    print(report)
    if a.md:
        a.md.parent.mkdir(parents=True, exist_ok=True)
        a.md.write_text(report)
    tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
