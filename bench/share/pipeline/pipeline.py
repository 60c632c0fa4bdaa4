"""What `quartier share allocate` computes, as a straightforward pandas pipeline.

Reads every member curve of a community written by generate.py with `pandas.read_csv`
(timestamps parsed to UTC), allocates with the default key (prorata of consumption, D315-6),
sums each member's local months, and writes `allocation.csv` and `settlement.csv` in
Quartier's exact byte layout, so that `cmp` can tell whether both give the same result.

The arithmetic follows Quartier's order of operations where floating-point sums could differ
in the last bit (`crates/share/src/allocate.rs`: sums over consumers with four lanes;
`crates/billing/src/settle.rs`: monthly sums step by step, the per-producer split
`a_i × P_p / ΣP`, invoice lines in decimal, quantities half-up to the Wh, amounts half-up to
the cent). Statements (HTML/PDF) are not written: they are Quartier's extra.

    python pipeline.py COMMUNITY_DIR OUT_DIR
    python pipeline.py COMMUNITY_DIR --read-only     # pandas.read_csv of every curve, timed
"""

import argparse
import decimal
import os
import re
import sys
import time

import numpy as np
import pandas as pd

D = decimal.Decimal
WH = D("0.001")
CENT = D("0.01")


def members(community_toml):
    """(id, role, curve path) of each member, in file order (a small regex reader: the
    generated file has one key per line)."""
    text = open(community_toml, encoding="utf-8").read()
    out = []
    for block in text.split("[[members]]")[1:]:
        mid = re.search(r'^id = "([^"]+)"', block, re.M).group(1)
        role = re.search(r'^role = "([^"]+)"', block, re.M).group(1)
        curve = re.search(r'curve = \{ file = "([^"]+)" \}', block).group(1)
        out.append((mid, role, curve))
    return out


def read_curves(root, ms):
    """Every curve with pandas.read_csv; returns the UTC index and a steps × members matrix."""
    stamps = None
    cols = []
    for _, _, curve in ms:
        df = pd.read_csv(os.path.join(root, curve), dtype={"time": str, "kwh": np.float64})
        t = df["time"].to_numpy()
        # Every curve must be on the same axis: compared as text, parsed once (parsing 17.5 M
        # timestamps with two offsets costs pandas minutes).
        if stamps is None:
            stamps = t
        elif len(t) != len(stamps) or not (t == stamps).all():
            sys.exit(f"{curve}: another time axis")
        cols.append(df["kwh"].to_numpy())
    index = pd.DatetimeIndex(pd.to_datetime(stamps, utc=True, format="ISO8601"))
    return index, np.column_stack(cols)


def lanes(x):
    """Σ over columns as Quartier sums: four accumulators, then the remainder in order."""
    t, n = x.shape
    n4 = n - n % 4
    acc = np.zeros((t, 4))
    for j in range(0, n4, 4):
        acc += x[:, j : j + 4]
    rest = np.zeros(t)
    for j in range(n4, n):
        rest = rest + x[:, j]
    return (acc[:, 0] + acc[:, 1]) + (acc[:, 2] + acc[:, 3]) + rest


def in_order(x):
    """Σ over columns left to right (Rust's `Iterator::sum`)."""
    s = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        s = s + x[:, j]
    return s


def allocate(c, p):
    """Default key: q = min(1, P/ΣC), a = C·q; producers give the same fraction."""
    big_p = lanes(p)
    s = lanes(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(s > 0, np.minimum(big_p / s, 1.0), 0.0)
    a = c * q[:, None]
    total = lanes(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(big_p > 0, np.minimum(total / big_p, 1.0), 0.0)
    pa = p * r[:, None]
    return a, pa


def write_allocation(path, index, ids_c, ids_p, c, a, p, pa):
    """allocation.csv with DataFrame.to_csv, a block of steps at a time (rows per step:
    consumers, then producers; the other side's columns empty)."""
    comp = np.maximum(c - a, 0.0)
    surplus = np.maximum(p - pa, 0.0)
    stamps = np.asarray(index.strftime("%Y-%m-%dT%H:%M:%SZ"))
    nc, np_ = len(ids_c), len(ids_p)
    n = nc + np_
    members = np.array(ids_c + ids_p, dtype=object)
    roles = np.array(["consumer"] * nc + ["producer"] * np_, dtype=object)
    nan_p = np.full((1, np_), np.nan)
    nan_c = np.full((1, nc), np.nan)
    header = True
    block = 1024
    for t0 in range(0, len(index), block):
        t1 = min(t0 + block, len(index))
        k = t1 - t0
        df = pd.DataFrame(
            {
                "time_utc": np.repeat(stamps[t0:t1], n),
                "member": np.tile(members, k),
                "role": np.tile(roles, k),
                "consumption_kwh": np.hstack([c[t0:t1], np.repeat(nan_p, k, 0)]).ravel(),
                "allocated_kwh": np.hstack([a[t0:t1], np.repeat(nan_p, k, 0)]).ravel(),
                "complement_kwh": np.hstack([comp[t0:t1], np.repeat(nan_p, k, 0)]).ravel(),
                "production_kwh": np.hstack([np.repeat(nan_c, k, 0), p[t0:t1]]).ravel(),
                "surplus_kwh": np.hstack([np.repeat(nan_c, k, 0), surplus[t0:t1]]).ravel(),
            }
        )
        df.to_csv(
            path,
            mode="w" if header else "a",
            header=header,
            index=False,
            float_format="%.6f",
            na_rep="",
            lineterminator="\n",
        )
        header = False


def wh(x):
    return D(float(x)).quantize(WH, rounding=decimal.ROUND_HALF_UP)


def line(kwh, price):
    return (wh(kwh) * price).quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def settle(index, ids_c, ids_p, c, a, p, pa, local_price, surplus_price):
    """Monthly sums per member (step by step, as Quartier adds them) and the money lines."""
    months = index.tz_convert("Europe/Paris").strftime("%Y-%m")
    starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    comp = np.maximum(c - a, 0.0)
    surplus = np.maximum(p - pa, 0.0)
    # np.add.reduceat along axis 0 adds the rows of each month in order.
    sums = {
        name: np.add.reduceat(x, starts, axis=0)
        for name, x in [
            ("cons", c),
            ("self", a),
            ("comp", comp),
            ("prod", p),
            ("pself", pa),
            ("surplus", surplus),
        ]
    }
    # Per producer and consumer: the self-consumed energy split a_i × P_p / ΣP, summed step
    # by step; the excise-exempt energy adds every producer's part in producer order.
    tot_p = in_order(p)
    nc, np_ = c.shape[1], p.shape[1]
    bought = np.zeros((len(starts), np_, nc))
    exempt = np.zeros((len(starts), nc))
    month_of = np.searchsorted(starts, np.arange(len(index)), side="right") - 1
    for t in range(len(index)):
        if tot_p[t] <= 0:
            continue
        at = a[t]
        live = at > 0
        m = month_of[t]
        for k in range(np_):
            pair = at * p[t, k] / tot_p[t]
            pair = np.where(live & (pair > 0), pair, 0.0)
            bought[m, k] += pair
            exempt[m] += pair
    out = [
        "month,member,role,consumption_kwh,self_consumed_kwh,complement_kwh,excise_exempt_kwh,"
        "local_cost_eur,production_kwh,production_self_consumed_kwh,surplus_kwh,revenue_eur,"
        "surplus_revenue_eur"
    ]
    for m, s0 in enumerate(starts):
        revenue = [D(0)] * np_
        for i, mid in enumerate(ids_c):
            cost = D(0)
            for k in range(np_):
                x = bought[m, k, i]
                if x > 0:
                    amount = line(x, local_price)
                    cost += amount
                    revenue[k] += amount
            out.append(
                f"{months[s0]},{mid},consumer,{sums['cons'][m, i]:.3f},{sums['self'][m, i]:.3f},"
                f"{sums['comp'][m, i]:.3f},{exempt[m, i]:.3f},{cost:.2f},,,,,"
            )
        for k, mid in enumerate(ids_p):
            out.append(
                f"{months[s0]},{mid},producer,,,,,,{sums['prod'][m, k]:.3f},"
                f"{sums['pself'][m, k]:.3f},{sums['surplus'][m, k]:.3f},{revenue[k]:.2f},"
                f"{line(sums['surplus'][m, k], surplus_price):.2f}"
            )
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("community_dir")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--read-only", action="store_true")
    args = ap.parse_args()
    root = args.community_dir
    ms = members(os.path.join(root, "community.toml"))
    t0 = time.perf_counter()
    index, x = read_curves(root, ms)
    t_read = time.perf_counter() - t0
    print(f"read {len(ms)} curves, {x.size} values: {t_read:.2f} s", file=sys.stderr)
    if args.read_only:
        return
    ci = [k for k, m in enumerate(ms) if m[1] == "consumer"]
    pi = [k for k, m in enumerate(ms) if m[1] == "producer"]
    c, p = np.ascontiguousarray(x[:, ci]), np.ascontiguousarray(x[:, pi])
    del x
    ids_c = [ms[k][0] for k in ci]
    ids_p = [ms[k][0] for k in pi]
    t1 = time.perf_counter()
    a, pa = allocate(c, p)
    os.makedirs(args.out, exist_ok=True)
    settlement = settle(index, ids_c, ids_p, c, a, p, pa, D("0.1"), D("0.04"))
    with open(os.path.join(args.out, "settlement.csv"), "w", newline="\n") as f:
        f.write(settlement)
    t2 = time.perf_counter()
    write_allocation(os.path.join(args.out, "allocation.csv"), index, ids_c, ids_p, c, a, p, pa)
    t3 = time.perf_counter()
    print(
        f"allocate + settle {t2 - t1:.2f} s, allocation.csv {t3 - t2:.2f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
