#!/usr/bin/env python3
"""Straightforward vectorised numpy implementation of the ACC allocation keys, run on the
input written by `cargo run --release -p quartier-share --example share_bench -- --out DIR`,
checked against the Rust allocations (max abs diff) and timed against them (ratios).

Usage: bench/.venv-share/bin/python bench/share/bench_numpy.py DIR [--repeat N]
"""

import argparse
import csv
import time
from pathlib import Path

import numpy as np


def prorata(C, P):
    """Default key: a_i = min(C_i, P × C_i / ΣC) (0 when ΣC = 0)."""
    S = C.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        A = np.minimum(C, P[:, None] * C / S[:, None])
    A[S <= 0] = 0.0
    return A


def static_surplus(C, P, k):
    return np.minimum(C, P[:, None] * k[None, :])


def water_fill(C, P, W):
    """Static key with redistribution: rounds of `level = left / Σ_active w`; every active
    consumer with C ≤ level × w is satisfied; a round that satisfies nobody gives level × w to
    everyone left. Vectorised over steps; each round works on the steps still running."""
    T, N = C.shape
    A = np.zeros_like(C)
    active = (W[None, :] > 0) & (C > 0)
    left = P.astype(float).copy()
    rows = np.arange(T)
    for _ in range(N + 1):
        act = active[rows]
        weight = np.where(act, W[None, :], 0.0).sum(axis=1)
        run = (left[rows] > 0) & (weight > 0)
        rows, act, weight = rows[run], act[run], weight[run]
        if rows.size == 0:
            break
        c = C[rows]
        level = left[rows] / weight
        cap = level[:, None] * W[None, :]
        sat = act & (c <= cap)
        any_sat = sat.any(axis=1)
        # Satisfied consumers get their consumption.
        a = A[rows]
        a[sat] = c[sat]
        left[rows] -= np.where(sat, c, 0.0).sum(axis=1)
        act &= ~sat
        # Steps where nobody was satisfied: everyone left gets level × w; they are done.
        fin = ~any_sat
        a[fin] = np.where(act[fin], np.minimum(c[fin], cap[fin]), a[fin])
        act[fin] = False
        A[rows] = a
        active[rows] = act
        rows = rows[any_sat]
    return A


def priority(C, P, groups, k):
    A = np.zeros_like(C)
    left = P.astype(float).copy()
    for g in range(int(groups.max()) + 1):
        cols = np.nonzero(groups == g)[0]
        if cols.size == 0:
            continue
        Cg = C[:, cols]
        if g % 2 == 0:
            Ag = prorata(Cg, left)
        else:
            Ag = water_fill(Cg, left, k[cols])
        A[:, cols] = Ag
        left = np.maximum(left - Ag.sum(axis=1), 0.0)
    return A


def custom(C, P, K):
    S = K.sum(axis=1)
    norm = np.where(S > 1.0, S, 1.0)
    return np.minimum(C, P[:, None] * K / norm[:, None])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--hugepages", choices=["on", "off"], default="on",
                    help="numpy's own madvise(MADV_HUGEPAGE) on large arrays (on by default)")
    args = ap.parse_args()
    from numpy._core import multiarray
    multiarray._set_madvise_hugepage(args.hugepages == "on")
    d = args.dir
    C = np.load(d / "consumption.npy")
    Pm = np.load(d / "production.npy")
    k = np.load(d / "static_k.npy")
    groups = np.load(d / "groups.npy").astype(int)
    K = np.load(d / "custom.npy")
    T, N = C.shape
    keys = {
        "default": lambda P: prorata(C, P),
        "static_surplus": lambda P: static_surplus(C, P, k),
        "static_redistribute": lambda P: water_fill(C, P, k),
        "priority": lambda P: priority(C, P, groups, k),
        "custom": lambda P: custom(C, P, K),
    }
    rust = {}
    with open(d / "rust_timings.csv") as f:
        for row in csv.DictReader(f):
            rust[(row["key"], row["threads"])] = float(row["seconds"])
    print(f"numpy {np.__version__}: {N} consumers × {T} steps = {N * T:,} values; "
          f"huge pages: {args.hugepages}")
    header = ("key", "numpy s", "numpy val/s", "rust 1T s", "rust 1T val/s", "1T ratio",
              "rust rayon s", "rayon ratio", "rust 1T+matrix s", "1T+matrix ratio",
              "max |diff| kWh")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, fn in keys.items():
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            P = Pm.sum(axis=1)  # total production per step is part of every key's work
            A = fn(P)
            best = min(best, time.perf_counter() - t)
        R = np.load(d / f"alloc_{name}.npy")
        diff = float(np.max(np.abs(A - R)))
        s1, sr = rust[(name, "single")], rust[(name, "rayon")]
        sm = rust.get((name, "single_matrix"), float("nan"))
        print(f"| {name} | {best:.3f} | {N * T / best:.3e} | {s1:.3f} | {N * T / s1:.3e} | "
              f"{best / s1:.1f}× | {sr:.3f} | {best / sr:.1f}× | {sm:.3f} | {best / sm:.1f}× | "
              f"{diff:.1e} |")
        if diff > 1e-9:
            raise SystemExit(f"{name}: results differ by {diff} kWh")


if __name__ == "__main__":
    main()
