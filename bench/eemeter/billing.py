"""CalTRACK 2.0 billing-period baselines on eemeter's bundled billing samples.

For every billing sample (synthetic Illinois meters, monthly and bimonthly invoices, °F hourly
temperatures) this script:

1. chooses a baseline and a reporting window snapped to invoice boundaries (see `windows`);
2. optionally exports the data for Quartier (`--export DIR`):
   `<sample>-invoices.csv` (`start,end,kwh`; local dates, end exclusive; the `kwh` column holds
   the sample's unit: kWh for electricity, therms for gas), `<sample>-temperature.csv`
   (`time_utc,temperature_c`, hourly) and `<sample>-periods.json` (windows, time zone, billing
   cycle, fuel, unit, fit_cdd, p-value limit);
3. computes the CalTRACK 2.0 billing reference `caltrack2_billing_reference`, a numpy/scipy
   transcription of eemeter 2.x (last 2.x release 2.10.11, same code in 3.2.0):
   `create_caltrack_billing_design_matrix` + `fit_caltrack_usage_per_day_model(...,
   use_billing_presets=True, weights_col="n_days_kept")` + `metered_savings`
   (prediction, FSU / OLS error bands);
4. runs eemeter 4.1.1 `BillingModel` (a different method: eemeter 4's daily model fit on the
   invoices spread evenly over their days) on the same windows, for information;
5. with `--quartier BIN`, runs `BIN <invoices.csv> <temperature.csv> <periods.json>` and
   compares its JSON (kind, intercept_kwh_per_day, beta_hdd, beta_cdd,
   heating_balance_point_c, cooling_balance_point_c, r2_adj, baseline_total, avoided_total;
   slopes per °C·day) with the reference.

Windows (function `windows`): invoice boundaries are local
midnights (06:00 UTC = 00:00 at UTC-6 in these samples). Baseline end = the last boundary on or
before the blackout start date (compare.py: the blackout start day is the first non-baseline
day); baseline start = the boundary nearest to baseline end - 365 days (ties: the later one).
Reporting start = the first boundary on or after blackout end date + 1 day (compare.py's
reporting start); reporting end = the boundary nearest to reporting start + 365 days. This is
eemeter 2.x `get_baseline_data` / `get_reporting_data` with
`allow_billing_period_overshoot=True, ignore_billing_period_gap_for_day_count=True`; the
default (strict) eemeter 2.x windows keep only invoices wholly inside [blackout start - 365 d,
blackout start]: 10-11 monthly invoices (318-334 days) or 5 bimonthly ones (302-311 days); all
the bimonthly windows and one monthly window then miss more than CalTRACK 2.2.1.2's 37 days.

Departures from eemeter 2.x defaults, on purpose (all recorded in the results):
- maximum slope p-value 0.1 (as compare.py's daily reference; eemeter 2.x defaults to 1, and the
  CalTRACK 2.0 technical appendix 3.4.3.2 removed the p-value screen). The p = 1 result is also
  recorded (`reference_p1`).
- temperature features for fitting use the whole invoice: eemeter 2.x's
  `create_caltrack_billing_design_matrix` passes `tolerance=35 days` to `merge_asof`, so a
  bimonthly invoice gets the degree-days and `n_days_kept` of its first 35 days only. The exact
  eemeter 2.x behaviour is recorded too (`eemeter2_exact`); both agree for monthly invoices.
- CalTRACK 2.2.3.4/2.2.3.5 invoice-length filter (25..35 days monthly, 25..70 bimonthly) applied
  (eemeter 2.x leaves it to the caller: `clean_caltrack_billing_data`). No sample invoice fails it.
- gas meters: no CDD candidates (CalTRACK 3.2.1.1 / eemeter `fit_cdd=False`); compare.py's daily
  reference fits CDD for gas too.

Usage (from the repository root):
    python3 -m venv bench/.venv-eemeter
    bench/.venv-eemeter/bin/pip install -r bench/eemeter/requirements.txt
    bench/.venv-eemeter/bin/python bench/eemeter/billing.py [--export DIR] [--quartier BIN]
        [--out bench/eemeter/billing-results.json] [--max-p-value 0.1] [--samples NAME ...]
"""

import argparse
import json
import logging
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
from eemeter.eemeter.samples import load_sample, samples

warnings.filterwarnings("ignore")
logging.getLogger("eemeter").setLevel(logging.ERROR)
ROOT = Path(__file__).resolve().parents[2]

BALANCE_POINTS_F = list(range(30, 91))  # CalTRACK 3.2.1: 30-90 °F, eemeter 2.x step 1 °F
MIN_TOTAL_DEGREE_DAYS_F = 20.0  # CalTRACK 3.2.2.2.2, °F·day, weighted by n_days_kept
MIN_NON_ZERO_DEGREE_DAYS = 0  # billing presets: CalTRACK 3.2.2.2.1 does not apply
DAY_MIN_HOURS = 12  # a day is kept when it has > 12 valid hourly temperatures (2.2.2.3)
PERIOD_MIN_COVERAGE = 0.9  # >= 90 % valid hourly temperatures per invoice (2.2.3.2)
EEMETER2_FIT_WINDOW = pd.Timedelta(days=35)  # merge_asof tolerance in the billing design matrix
CYCLE_MAX_DAYS = {"billing_monthly": 35, "billing_bimonthly": 70}  # 2.2.3.5
CYCLE_MIN_DAYS = 25  # 2.2.3.4
FSU_COEFFS_BILLING = (-0.00022, 0.03306, 0.94054)  # CalTRACK 4.3.2.4.6 (a, b, d)
CONFIDENCE = 0.90


# ----------------------------------------------------------------------------- data

def load(name):
    """Invoices (start-indexed; last row = end marker), hourly °F temperatures, metadata."""
    meter, temp_f, md = load_sample(name)
    value = meter["value"]
    hours = set(value.index.hour)
    if len(hours) != 1 or set(value.index.minute) != {0}:
        raise ValueError(f"{name}: invoice boundaries are not at one local midnight")
    h = hours.pop()
    offset_h = -h if h <= 12 else 24 - h  # boundaries are local midnights
    return value, temp_f, md, offset_h


def local_date(ts, offset_h):
    return (ts + pd.Timedelta(hours=offset_h)).date()


def windows(value, md, offset_h):
    """Baseline and reporting windows snapped to invoice boundaries (see module docstring)."""
    bounds = value.index
    dates = np.array([local_date(b, offset_h) for b in bounds])
    blackout_start = md["blackout_start_date"].date()
    blackout_end = md["blackout_end_date"].date()

    def nearest(cands, target):
        d = np.abs((cands - target).total_seconds().values)
        best = d.min()
        return cands[np.nonzero(d == best)[0][-1]]  # ties: the later boundary (pandas 'nearest')

    b_end = bounds[np.nonzero(dates <= blackout_start)[0][-1]]
    b_start = nearest(bounds[bounds <= b_end], b_end - pd.Timedelta(days=365))
    r_start = bounds[np.nonzero(dates >= blackout_end + pd.Timedelta(days=1).to_pytimedelta())[0][0]]
    r_end = nearest(bounds[bounds >= r_start], r_start + pd.Timedelta(days=365))
    return (b_start, b_end), (r_start, r_end)


def invoices(value, window):
    """Invoices wholly inside [window): start, end (next boundary), value (NaN allowed)."""
    idx = value.index
    rows = []
    for i in range(len(idx) - 1):
        if idx[i] >= window[0] and idx[i + 1] <= window[1]:
            rows.append((idx[i], idx[i + 1], value.iloc[i]))
    return pd.DataFrame(rows, columns=["start", "end", "value"])


# ----------------------------------------------------------------------------- reference

def period_daily_temperatures(temp_f, start, end, window=None):
    """eemeter 2.x `_degree_day_columns` (degree_day_method='daily') for one invoice.

    Hours h with start <= h < end (and h - start <= window when given: eemeter's merge_asof
    tolerance), cut positionally into 24-hour chunks from the first hour. Returns
    (daily means of the kept chunks, n_days_kept, n_chunks); no kept day when fewer than 90 % of
    the hours are valid. A chunk is kept with > 12 valid hours.
    """
    t = temp_f.index
    lo = t.searchsorted(start, side="left")
    hi = t.searchsorted(end, side="left")
    if window is not None:
        hi = min(hi, t.searchsorted(start + window, side="right"))
    vals = temp_f.values[lo:hi].astype(float)
    count = len(vals)
    if count == 0:
        return np.array([]), 0, 0
    if count <= 24:  # eemeter's "fast route" (never taken by invoices)
        ok = count > DAY_MIN_HOURS
        m = np.nanmean(vals) if ok else np.nan
        return (np.array([m]) if ok else np.array([])), int(ok), 1
    n_chunks = int(np.ceil(count / 24))
    if np.isfinite(vals).sum() < PERIOD_MIN_COVERAGE * count:
        return np.array([]), 0, n_chunks
    means = []
    for c in range(n_chunks):
        chunk = vals[c * 24:(c + 1) * 24]
        if np.isfinite(chunk).sum() > DAY_MIN_HOURS:
            means.append(np.nanmean(chunk))
    return np.array(means), len(means), n_chunks


def degree_days(daily_means, bp, heating):
    if len(daily_means) == 0:
        return np.nan
    return float(np.mean(np.maximum(bp - daily_means, 0) if heating else np.maximum(daily_means - bp, 0)))


def design_matrix(inv, temp_f, cycle, window):
    """Usage per day, n_days_kept weights, mean daily HDD/CDD per invoice (valid rows only)."""
    rows = []
    for s, e, v in inv.itertuples(index=False):
        days = (e - s).total_seconds() / 86400.0
        int_days = (e - s).days
        if not (CYCLE_MIN_DAYS <= int_days <= CYCLE_MAX_DAYS[cycle]) or not np.isfinite(v):
            continue
        means, kept, _ = period_daily_temperatures(temp_f, s, e, window)
        if kept == 0:
            continue
        rows.append({"start": s, "days": days, "total": v, "upd": v / days, "w": kept,
                     "means": means})
    return rows


def wls(y, cols, w):
    """statsmodels WLS: params, adjusted R² (weighted, centred), two-sided slope p-values."""
    n = len(y)
    X = np.column_stack([np.ones(n)] + cols)
    sw = np.sqrt(w)
    Xw, yw = X * sw[:, None], y * sw
    beta, _, rank, _ = np.linalg.lstsq(Xw, yw, rcond=None)
    resid = yw - Xw @ beta
    ssr = float(resid @ resid)
    dof = n - rank
    ybar = np.average(y, weights=w)
    sst = float(np.sum(w * (y - ybar) ** 2))
    r2_adj = 1.0 - (n - 1) / dof * ssr / sst if dof > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = ssr / dof * np.linalg.pinv(Xw.T @ Xw)
        p = 2 * stats.t.sf(np.abs(beta / np.sqrt(np.diag(cov))), dof)
    return beta, r2_adj, p


def fit_billing(rows, fit_cdd, max_p):
    """eemeter 2.x `fit_caltrack_usage_per_day_model(use_billing_presets=True, weights_col=...)`."""
    y = np.array([r["upd"] for r in rows])
    w = np.array([r["w"] for r in rows], dtype=float)
    H = {bp: np.array([degree_days(r["means"], bp, True) for r in rows]) for bp in BALANCE_POINTS_F}
    C = {bp: np.array([degree_days(r["means"], bp, False) for r in rows]) for bp in BALANCE_POINTS_F}

    def enough(dd):  # get_total_degree_day_too_low_warning / get_too_few_non_zero_...
        return (dd * w).sum() >= MIN_TOTAL_DEGREE_DAYS_F and (dd > 0).sum() >= MIN_NON_ZERO_DEGREE_DAYS

    # intercept-only: weighted mean, adjusted R² = 0 by definition (CalTRACK 3.4.3.1.4)
    b0, _, _ = wls(y, [], w)
    best, best_r2 = None, -np.inf
    counts = {"fitted": 1, "qualified": 0}
    if b0[0] >= 0:
        best, best_r2 = {"kind": "intercept_only", "intercept": b0[0], "beta_hdd": 0.0,
                         "beta_cdd": 0.0, "hbp_f": None, "cbp_f": None, "r2_adj": 0.0}, 0.0
        counts["qualified"] += 1

    def consider(kind, cols, bps, betas_names):
        nonlocal best, best_r2
        b, r2, p = wls(y, cols, w)
        counts["fitted"] += 1
        if b.min() < 0 or any(pv > max_p for pv in p[1:]):  # NaN p-values pass, as in eemeter
            return
        counts["qualified"] += 1
        if r2 > best_r2:
            m = {"kind": kind, "intercept": b[0], "beta_hdd": 0.0, "beta_cdd": 0.0,
                 "hbp_f": bps.get("h"), "cbp_f": bps.get("c"), "r2_adj": r2}
            for name, val in zip(betas_names, b[1:]):
                m[name] = val
            best, best_r2 = m, r2

    for bp in BALANCE_POINTS_F:  # hdd_only candidates first, ascending balance points
        if enough(H[bp]):
            consider("hdd_only", [H[bp]], {"h": bp}, ["beta_hdd"])
    if fit_cdd:
        for bp in BALANCE_POINTS_F:
            if enough(C[bp]):
                consider("cdd_only", [C[bp]], {"c": bp}, ["beta_cdd"])
        for bc in BALANCE_POINTS_F:  # cooling outer, heating inner, heating <= cooling
            for bh in BALANCE_POINTS_F:
                if bh <= bc and enough(C[bc]) and enough(H[bh]):
                    consider("cdd_hdd", [C[bc], H[bh]], {"h": bh, "c": bc}, ["beta_cdd", "beta_hdd"])
    if best is not None:
        best["n_parameters"] = {"intercept_only": 0, "hdd_only": 1, "cdd_only": 1, "cdd_hdd": 2}[best["kind"]]
    return best, counts


def predict_invoice(model, temp_f, s, e):
    """eemeter 2.x `caltrack_usage_per_day_predict` for one invoice (total, NaN if no temps)."""
    days = (e - s).total_seconds() / 86400.0
    means, kept, n_chunks = period_daily_temperatures(temp_f, s, e, None)
    if model["kind"] == "intercept_only":
        t = temp_f.values[temp_f.index.searchsorted(s):temp_f.index.searchsorted(e)]
        return model["intercept"] * days if np.isfinite(t).any() else np.nan
    if kept == 0:
        return np.nan
    pred = model["intercept"] * days
    if model["hbp_f"] is not None:
        pred += model["beta_hdd"] * degree_days(means, model["hbp_f"], True) * n_chunks
    if model["cbp_f"] is not None:
        pred += model["beta_cdd"] * degree_days(means, model["cbp_f"], False) * n_chunks
    return pred


def error_bands(model, rows, rep, r_window):
    """eemeter 2.x `_compute_error_bands_metered_savings` for billing (interval 'billing')."""
    k = model["n_parameters"]
    obs = np.array([r["total"] for r in rows])
    pred = np.array([(model["intercept"]
                      + (model["beta_hdd"] * degree_days(r["means"], model["hbp_f"], True) if model["hbp_f"] is not None else 0.0)
                      + (model["beta_cdd"] * degree_days(r["means"], model["cbp_f"], False) if model["cbp_f"] is not None else 0.0))
                     * r["days"] for r in rows])
    resid = pred - obs
    n = len(obs)
    rmse_adj = float(np.sqrt((resid ** 2).sum() / (n - k)))
    rho = float(pd.Series(resid).autocorr(lag=1))
    base_avg = float(obs.mean())
    base_var = float(obs.var(ddof=0))
    valid = rep.dropna()
    post_obs = float(round((r_window[1] - r_window[0]).days / 30.0)) if len(valid) else float(len(valid))
    post_avg = float(valid.observed.mean())
    t = float(stats.t.ppf(1 - (1 - CONFIDENCE) / 2, n - k))
    out = {"base_obs": n, "post_obs_months": post_obs, "rmse_adj": rmse_adj, "autocorr_resid": rho,
           "t_stat": t, "cvrmse_adj": rmse_adj / base_avg}
    if post_obs == 0 or not np.isfinite(rho) or abs(rho) == 1 or base_avg == 0 or base_var == 0:
        return out
    nprime = n * (1 - rho) / (1 + rho)
    a, b, d = FSU_COEFFS_BILLING
    fsu = base_avg * n * t * (a * post_obs ** 2 + b * post_obs + d) * (rmse_adj / base_avg) \
        * np.sqrt((n / nprime) * (1 + 2 / nprime) / post_obs)
    model_err = t * rmse_adj * post_obs / np.sqrt(n) * np.sqrt(1 + (base_avg - post_avg) ** 2 / base_var)
    noise = t * rmse_adj * np.sqrt(post_obs * n / nprime)
    out.update({"n_prime": nprime, "fsu_error_band": float(fsu),
                "ols_error_band": float(np.hypot(model_err, noise)),
                "ols_error_band_model": float(model_err), "ols_error_band_noise": float(noise)})
    return out


def caltrack2_billing_reference(value, temp_f, cycle, fit_cdd, baseline, reporting, max_p=0.1,
                                eemeter2_exact=False):
    """CalTRACK 2.0 billing method as eemeter 2.x implements it (see module docstring)."""
    rows = design_matrix(invoices(value, baseline), temp_f, cycle,
                         EEMETER2_FIT_WINDOW if eemeter2_exact else None)
    model, counts = fit_billing(rows, fit_cdd, max_p)
    res = {"kind": None, "n_invoices_fit": len(rows), "candidates": counts}
    if model is None:
        return res
    rep = invoices(value, reporting)
    rep["predicted"] = [predict_invoice(model, temp_f, s, e) for s, e in zip(rep.start, rep.end)]
    rep = rep.rename(columns={"value": "observed"})
    both = rep.dropna()
    to_c = lambda f: None if f is None else (f - 32.0) / 1.8
    res.update({
        "kind": model["kind"], "intercept_per_day": float(model["intercept"]),
        "beta_hdd_per_f_day": float(model["beta_hdd"]), "beta_cdd_per_f_day": float(model["beta_cdd"]),
        "beta_hdd_per_c_day": float(model["beta_hdd"]) * 1.8, "beta_cdd_per_c_day": float(model["beta_cdd"]) * 1.8,
        "heating_balance_point_f": model["hbp_f"], "cooling_balance_point_f": model["cbp_f"],
        "heating_balance_point_c": to_c(model["hbp_f"]), "cooling_balance_point_c": to_c(model["cbp_f"]),
        "r2_adj": float(model["r2_adj"]),
        "n_invoices_reporting": int(len(both)),
        "baseline_total": float(both.predicted.sum()), "metered_total": float(both.observed.sum()),
        "avoided_total": float((both.predicted - both.observed).sum()),
        "uncertainty": error_bands(model, rows, rep[["observed", "predicted"]], reporting),
    })
    return res


# ----------------------------------------------------------------------------- eemeter 4

def eemeter4_billing(value, temp_f, baseline, reporting):
    """eemeter 4.1.1 BillingModel (legacy daily settings on invoices spread over their days)."""
    def span(w):  # invoices inside the window + the NaN end-marker row, temperatures [start, end]
        m = value[(value.index >= w[0]) & (value.index <= w[1])].copy()
        m.iloc[-1] = np.nan
        # from_series clips the meter to the temperature range: the marker hour must be present
        return m, temp_f[(temp_f.index >= w[0]) & (temp_f.index <= w[1])]
    t0 = time.perf_counter()
    bd = em.BillingBaselineData.from_series(*span(baseline), is_electricity_data=False)
    model = em.BillingModel().fit(bd, ignore_disqualification=True)
    rd = em.BillingReportingData.from_series(*span(reporting), is_electricity_data=False)
    res = model.predict(rd, ignore_disqualification=True)
    secs = time.perf_counter() - t0
    res = res.dropna(subset=["observed", "predicted"])
    return {"baseline_total": float(res.predicted.sum()), "metered_total": float(res.observed.sum()),
            "avoided_total": float((res.predicted - res.observed).sum()),
            "model_types": sorted(set(res.model_type)), "seconds": secs,
            "disqualification": [w.qualified_name for w in bd.disqualification]}


# ----------------------------------------------------------------------------- export / Quartier

def export(name, value, temp_f, md, offset_h, baseline, reporting, cycle, fit_cdd, max_p, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    inv = invoices(value, (value.index[0], value.index[-1]))
    d = lambda ts: local_date(ts, offset_h).isoformat()
    pd.DataFrame({"start": [d(s) for s in inv.start], "end": [d(e) for e in inv.end],
                  "kwh": inv.value}).to_csv(out_dir / f"{name}-invoices.csv", index=False, na_rep="")
    temp_c = (temp_f - 32.0) / 1.8
    pd.DataFrame({"time_utc": temp_c.index.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "temperature_c": temp_c.values}).to_csv(out_dir / f"{name}-temperature.csv",
                                                          index=False, na_rep="")
    sign = "-" if offset_h < 0 else "+"
    periods = {
        "sample": name,
        "baseline": {"start": d(baseline[0]), "end": d(baseline[1])},
        "reporting": {"start": d(reporting[0]), "end": d(reporting[1])},
        "dates_are": "local dates; invoice and window ends exclusive; days start at local midnight",
        "utc_offset": f"{sign}{abs(offset_h):02d}:00",
        "timezone": f"Etc/GMT{'+' if offset_h < 0 else '-'}{abs(offset_h)}" if offset_h else "UTC",
        "billing_cycle": cycle.replace("billing_", ""),
        "fuel": md["interpretation"], "unit": md["unit"], "fit_cdd": fit_cdd, "max_p_value": max_p,
        "blackout_start": md["blackout_start_date"].date().isoformat(),
        "blackout_end": md["blackout_end_date"].date().isoformat(),
    }
    paths = (out_dir / f"{name}-invoices.csv", out_dir / f"{name}-temperature.csv",
             out_dir / f"{name}-periods.json")
    paths[2].write_text(json.dumps(periods, indent=1))
    return paths


def quartier(bin_path, paths):
    """HOOK: the Quartier side. Runs `BIN <invoices.csv> <temperature.csv> <periods.json>`, which
    prints one JSON object: kind, intercept_kwh_per_day, beta_hdd, beta_cdd (per °C·day),
    heating_balance_point_c, cooling_balance_point_c, r2_adj, baseline_total, avoided_total."""
    t0 = time.perf_counter()
    out = subprocess.run([str(bin_path)] + [str(p) for p in paths], capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if out.returncode != 0:
        return {"error": f"exit status {out.returncode}: {out.stderr.strip()}"}
    try:
        res = json.loads(out.stdout)
    except json.JSONDecodeError as e:
        return {"error": f"bad JSON from {bin_path}: {e}: {out.stdout[:200]!r}"}
    res["wall_seconds"] = secs
    return res


def canonical_kind(k):
    if k is None:
        return None
    k = str(k).lower().replace("_", "").replace("-", "")
    return {"interceptonly": "intercept_only", "hddonly": "hdd_only", "cddonly": "cdd_only",
            "cddhdd": "cdd_hdd", "hddcdd": "cdd_hdd"}.get(k, k)


def pct(a, b):
    return 100.0 * (a - b) / b if b else None


def compare_quartier(q, ref):
    if "error" in q or ref.get("kind") is None:
        return None
    diff = {"same_kind": canonical_kind(q.get("kind")) == ref["kind"]}
    for qk, rk in (("heating_balance_point_c", "heating_balance_point_c"),
                   ("cooling_balance_point_c", "cooling_balance_point_c")):
        a, b = q.get(qk), ref.get(rk)
        diff[qk] = None if a is None or b is None else a - b
    for qk, rk in (("intercept_kwh_per_day", "intercept_per_day"), ("beta_hdd", "beta_hdd_per_c_day"),
                   ("beta_cdd", "beta_cdd_per_c_day"), ("r2_adj", "r2_adj"),
                   ("baseline_total", "baseline_total"), ("avoided_total", "avoided_total")):
        if q.get(qk) is not None:
            diff[qk + "_pct"] = pct(q[qk], ref[rk])
            diff[qk + "_abs"] = q[qk] - ref[rk]
    return diff


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "eemeter" / "billing-results.json"))
    ap.add_argument("--export", metavar="DIR", help="write <sample>-invoices.csv, -temperature.csv, -periods.json")
    ap.add_argument("--quartier", metavar="BIN", help="run BIN <invoices.csv> <temperature.csv> <periods.json>")
    ap.add_argument("--max-p-value", type=float, default=0.1)
    ap.add_argument("--samples", nargs="*", help="default: every billing sample")
    args = ap.parse_args()
    names = args.samples or [s for s in samples() if "billing" in s]
    tmp = None
    export_dir = args.export
    if args.quartier and not export_dir:
        tmp = tempfile.TemporaryDirectory()
        export_dir = tmp.name
    rows = []
    for name in names:
        value, temp_f, md, offset_h = load(name)
        cycle = md["freq"]
        fit_cdd = md["interpretation"] == "electricity"
        base, rep = windows(value, md, offset_h)
        row = {"sample": name, "billing_cycle": cycle, "fuel": md["interpretation"], "unit": md["unit"],
               "fit_cdd": fit_cdd, "max_p_value": args.max_p_value,
               "baseline": [local_date(base[0], offset_h).isoformat(), local_date(base[1], offset_h).isoformat()],
               "reporting": [local_date(rep[0], offset_h).isoformat(), local_date(rep[1], offset_h).isoformat()],
               "baseline_utc": [str(base[0]), str(base[1])], "reporting_utc": [str(rep[0]), str(rep[1])]}
        t0 = time.perf_counter()
        ref = caltrack2_billing_reference(value, temp_f, cycle, fit_cdd, base, rep, args.max_p_value)
        row["reference_seconds"] = time.perf_counter() - t0
        row["caltrack2_reference"] = ref
        exact = caltrack2_billing_reference(value, temp_f, cycle, fit_cdd, base, rep, args.max_p_value,
                                            eemeter2_exact=True)
        row["eemeter2_exact"] = exact
        p1 = caltrack2_billing_reference(value, temp_f, cycle, fit_cdd, base, rep, 1.0)
        row["reference_p1"] = {k: p1.get(k) for k in ("kind", "heating_balance_point_f",
                                                      "cooling_balance_point_f", "r2_adj",
                                                      "baseline_total", "avoided_total")}
        row["eemeter4_billing"] = eemeter4_billing(value, temp_f, base, rep)
        row["diff_eemeter4_vs_reference_baseline_pct"] = pct(row["eemeter4_billing"]["baseline_total"],
                                                             ref.get("baseline_total") or 0)
        if export_dir:
            paths = export(name, value, temp_f, md, offset_h, base, rep, cycle, fit_cdd,
                           args.max_p_value, export_dir)
            if args.quartier:
                row["quartier"] = quartier(args.quartier, paths)
                row["diff_quartier_vs_reference"] = compare_quartier(row["quartier"], ref)
        rows.append(row)
        line = {"sample": name, "kind": ref.get("kind"),
                "hbp_f": ref.get("heating_balance_point_f"), "cbp_f": ref.get("cooling_balance_point_f"),
                "baseline": round(ref.get("baseline_total", float("nan")), 2),
                "avoided": round(ref.get("avoided_total", float("nan")), 2),
                "eemeter2_exact_baseline": round(exact.get("baseline_total", float("nan")), 2),
                "eemeter4_baseline": round(row["eemeter4_billing"]["baseline_total"], 2)}
        if "diff_quartier_vs_reference" in row:
            line["quartier_diff"] = row["diff_quartier_vs_reference"] or row["quartier"].get("error")
        print(json.dumps(line))
    Path(args.out).write_text(json.dumps(rows, indent=1, default=float))
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
