"""Compare Quartier's CalTRACK baselines with OpenEEmeter 4.1 on eemeter's bundled samples.

For every sample meter (the synthetic Illinois daily and hourly series, the real UK hourly
meters): baseline = the 365 days before the sample's blackout start, reporting = the 365 days
after its blackout end (clipped to the data). Exports meter + temperature (°C) CSVs, runs
eemeter's models and Quartier's example binary, compares total baseline prediction over the
reporting period and avoided energy, and times fit + predict per meter.

Daily: eemeter 4.x no longer ships the CalTRACK 2.0 daily method, so the same-method check is
against `caltrack2_daily_reference` below, a direct numpy/scipy transcription of eemeter 2.x's
`fit_caltrack_usage_per_day_model` (grid 30-90 °F, p-value 0.1); eemeter 4's own DailyModel (a
different method) is reported beside it.

Usage (from the repository root):
    python3 -m venv bench/.venv-eemeter
    bench/.venv-eemeter/bin/pip install -r bench/eemeter/requirements.txt
    cargo build -p quartier-evaluate --release --example eemeter_compare
    bench/.venv-eemeter/bin/python bench/eemeter/compare.py [--out bench/eemeter/results.json]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import eemeter.eemeter as em
from eemeter.eemeter.samples import load_sample

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "target" / "release" / "examples" / "eemeter_compare"

DAILY = ["il-electricity-cdd-hdd-daily", "il-electricity-cdd-only-daily",
         "il-gas-hdd-only-daily", "il-gas-intercept-only-daily"]
HOURLY = ["il-electricity-cdd-hdd-hourly", "il-electricity-cdd-only-hourly",
          "il-gas-hdd-only-hourly", "il-gas-intercept-only-hourly",
          "uk-electricity-hdd-only-hourly-sample-0", "uk-electricity-hdd-only-hourly-sample-1",
          "uk-electricity-hdd-only-hourly-sample-2", "uk-gas-hdd-only-hourly-sample-0"]


def load(name):
    """Meter (kWh or therm per interval), temperature in °F and °C, periods."""
    if name.startswith("uk-"):
        meter, temp_c, md = load_sample(name, tempF=False)
        temp_f = temp_c * 1.8 + 32.0
    else:
        meter, temp_f, md = load_sample(name)
        temp_c = (temp_f - 32.0) / 1.8
    meter = meter["value"]
    b_end = pd.Timestamp(md["blackout_start_date"]).floor("D")
    b_start = b_end - pd.Timedelta(days=365)
    r_start = pd.Timestamp(md["blackout_end_date"]).ceil("D") + pd.Timedelta(days=1)
    r_end = min(r_start + pd.Timedelta(days=365), meter.index.max().floor("D"))
    return meter, temp_f, temp_c, (b_start, b_end), (r_start, r_end)


def window(s, period):
    return s[(s.index >= period[0]) & (s.index < period[1])]


def caltrack2_daily_reference(meter, temp_f, baseline, reporting):
    """CalTRACK 2.0 daily method as eemeter 2.x implemented it (p-value limit 0.1)."""
    def daily(period):
        t = window(temp_f, period)
        g = t.groupby(t.index.floor("D"))
        tmean = g.mean().where(g.count() > 12)
        m = window(meter, period)
        return pd.concat([m.rename("y"), tmean.rename("t")], axis=1)
    d = daily(baseline).dropna()
    y, t = d.y.values, d.t.values
    n = len(y)
    sst = ((y - y.mean()) ** 2).sum()
    best = ("intercept_only", 0.0, (y.mean(), 0, 0, None, None))
    bps = range(30, 91)

    def ols(cols):
        X = np.column_stack([np.ones(n)] + cols)
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ beta
        rss = resid @ resid
        dof = n - X.shape[1]
        cov = rss / dof * np.linalg.pinv(X.T @ X)
        p = 2 * stats.t.sf(np.abs(beta / np.sqrt(np.diag(cov))), dof)
        return beta, 1 - (n - 1) / dof * rss / sst, p

    def ok(dd):
        return (dd > 0).sum() >= 10 and dd.sum() >= 20

    H = {bp: np.maximum(bp - t, 0) for bp in bps}
    C = {bp: np.maximum(t - bp, 0) for bp in bps}
    for bp in bps:
        for kind, dd in (("hdd_only", H[bp]), ("cdd_only", C[bp])):
            if not ok(dd):
                continue
            b, r2, p = ols([dd])
            if b.min() >= 0 and p[1] <= 0.1 and r2 > best[1]:
                best = (kind, r2, (b[0], b[1], 0, bp, None) if kind == "hdd_only" else (b[0], 0, b[1], None, bp))
    for bc in bps:
        for bh in bps:
            if bh > bc or not (ok(H[bh]) and ok(C[bc])):
                continue
            b, r2, p = ols([C[bc], H[bh]])
            if b.min() >= 0 and p[1] <= 0.1 and p[2] <= 0.1 and r2 > best[1]:
                best = ("cdd_hdd", r2, (b[0], b[2], b[1], bh, bc))
    kind, _, (a, bh_, bc_, hbp, cbp) = best
    r = daily(reporting).dropna()
    pred = a + (bh_ * np.maximum(hbp - r.t, 0) if hbp is not None else 0) \
        + (bc_ * np.maximum(r.t - cbp, 0) if cbp is not None else 0)
    return {"kind": kind, "hbp_f": hbp, "cbp_f": cbp,
            "baseline_kwh": float(np.sum(pred)), "metered_kwh": float(r.y.sum())}


def eemeter_daily(meter, temp_f, baseline, reporting):
    t0 = time.perf_counter()
    bd = em.DailyBaselineData.from_series(window(meter, baseline), window(temp_f, baseline), is_electricity_data=False)
    model = em.DailyModel().fit(bd, ignore_disqualification=True)
    rd = em.DailyReportingData.from_series(window(meter, reporting), window(temp_f, reporting), is_electricity_data=False)
    res = model.predict(rd)
    secs = time.perf_counter() - t0
    res = res.dropna(subset=["observed", "predicted"])
    return {"baseline_kwh": float(res.predicted.sum()), "metered_kwh": float(res.observed.sum()),
            "seconds": secs}


def eemeter_hourly(meter, temp_f, baseline, reporting):
    t0 = time.perf_counter()
    bd = em.HourlyCaltrackBaselineData.from_series(window(meter, baseline), window(temp_f, baseline), is_electricity_data=False)
    model = em.HourlyCaltrackModel().fit(bd)
    rd = em.HourlyCaltrackReportingData.from_series(window(meter, reporting), window(temp_f, reporting), is_electricity_data=False)
    res = model.predict(rd)
    secs = time.perf_counter() - t0
    res = res.dropna(subset=["observed", "predicted"])
    return {"baseline_kwh": float(res.predicted.sum()), "metered_kwh": float(res.observed.sum()),
            "seconds": secs}


def quartier(method, meter, temp_c, baseline, reporting, tmp, repeat):
    mp, tp = Path(tmp) / "meter.csv", Path(tmp) / "temp.csv"
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    for s, p in ((meter, mp), (temp_c, tp)):
        pd.DataFrame({"time_utc": s.index.tz_convert("UTC").strftime(fmt), "value": s.values}).to_csv(
            p, index=False, na_rep="")
    iso = lambda ts: ts.tz_convert("UTC").strftime(fmt)
    out = subprocess.run([str(BIN), method, str(mp), str(tp), iso(baseline[0]), iso(baseline[1]),
                          iso(reporting[0]), iso(reporting[1]), str(repeat)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip()}
    return json.loads(out.stdout)


def pct(a, b):
    return 100.0 * (a - b) / b if b else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "bench" / "eemeter" / "results.json"))
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    if not BIN.exists():
        sys.exit(f"build first: cargo build -p quartier-evaluate --release --example eemeter_compare ({BIN})")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in DAILY + HOURLY:
            meter, temp_f, temp_c, base, rep = load(name)
            method = "daily" if name in DAILY else "hourly"
            ours = quartier(method, meter, temp_c, base, rep, tmp, args.repeat)
            row = {"sample": name, "method": method, "baseline": [str(base[0]), str(base[1])],
                   "reporting": [str(rep[0]), str(rep[1])], "quartier": ours}
            if method == "daily":
                row["caltrack2_reference"] = caltrack2_daily_reference(meter, temp_f, base, rep)
                row["eemeter4_daily"] = eemeter_daily(meter, temp_f, base, rep)
                ref = row["caltrack2_reference"]
                other = row["eemeter4_daily"]
            else:
                row["eemeter_caltrack_hourly"] = eemeter_hourly(meter, temp_f, base, rep)
                ref = other = row["eemeter_caltrack_hourly"]
            if "savings" in ours:
                s = ours["savings"]
                row["diff_baseline_pct_same_method"] = pct(s["baseline_kwh"], ref["baseline_kwh"])
                q_sav = s["baseline_kwh"] - s["metered_kwh"]
                r_sav = ref["baseline_kwh"] - ref["metered_kwh"]
                row["diff_savings_pct_same_method"] = pct(q_sav, r_sav)
                row["diff_baseline_pct_vs_eemeter4"] = pct(s["baseline_kwh"], other["baseline_kwh"])
                if "seconds" in other:
                    row["speedup"] = other["seconds"] / ours["fit_predict_seconds"]
            rows.append(row)
            print(json.dumps({k: row.get(k) for k in ("sample", "diff_baseline_pct_same_method",
                                                          "diff_savings_pct_same_method",
                                                          "diff_baseline_pct_vs_eemeter4", "speedup")}))
    Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
