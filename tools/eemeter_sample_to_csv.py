#!/usr/bin/env python3
"""Converts eemeter's UK hourly electricity sample 0 and its temperatures into the CSV layout
of the CalTRACK example (examples/caltrack-sample/data/).

Source: the `eemeter` 4.1.1 wheel on PyPI (Apache-2.0, (c) OpenEEmeter contributors), folder
`eemeter/eemeter/samples/`:
  - uk-electricity-hdd-only-hourly-sample-0.csv.gz  (`start,value`: UTC hour start, kWh)
  - uk-tempC-sample-0.csv.gz                         (`,dt,tempC`: naive UTC hour, deg C)

Output (Python standard library only; no value is changed except float noise):
  - eemeter_uk_electricity_sample0_hourly.csv  `time_utc,energy_kwh`
  - eemeter_uk_temperature_sample0_hourly.csv  `time_utc,temp_air_c`
Timestamps are RFC 3339 UTC instants (`2020-04-01T01:00:00Z`) labelling the start of each
hour. Rows are kept from the first hour of the files (2020-04-01T01:00Z) to the last hour
before 2022-04-01T00:00Z (two years: a baseline year and a reporting year). Energy values are
written with `%.10g`, which removes binary float noise of the original text
(`0.028999999999999998` -> `0.029`); temperatures are copied as written.

Usage (from the repository root, with the eemeter virtualenv of bench/eemeter):
    bench/.venv-eemeter/bin/python tools/eemeter_sample_to_csv.py
or give the samples folder explicitly:
    python3 tools/eemeter_sample_to_csv.py --samples PATH/TO/eemeter/eemeter/samples
"""

import argparse
import csv
import gzip
import io
import os
import sys
from datetime import datetime, timezone

END = datetime(2022, 4, 1, tzinfo=timezone.utc)
OUT = os.path.join(os.path.dirname(__file__), "..", "examples", "caltrack-sample", "data")


def default_samples():
    try:
        import eemeter  # noqa: F401  (only to locate the package)

        return os.path.join(os.path.dirname(eemeter.__file__), "eemeter", "samples")
    except ImportError:
        return None


def rows(path):
    with gzip.open(path, "rt", newline="") as f:
        yield from csv.reader(io.StringIO(f.read()))


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default=default_samples())
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    if not args.samples:
        sys.exit("eemeter is not installed here: pass --samples")

    meter_in = os.path.join(args.samples, "uk-electricity-hdd-only-hourly-sample-0.csv.gz")
    temp_in = os.path.join(args.samples, "uk-tempC-sample-0.csv.gz")

    meter = []
    it = rows(meter_in)
    assert next(it) == ["start", "value"]
    for start, value in it:
        t = datetime.fromisoformat(start).astimezone(timezone.utc)
        if t < END:
            meter.append((iso(t), "" if value == "" else "%.10g" % float(value)))

    temps = []
    it = rows(temp_in)
    assert next(it) == ["", "dt", "tempC"]
    for _, dt, temp in it:
        t = datetime.fromisoformat(dt).replace(tzinfo=timezone.utc)
        if t < END:
            temps.append((iso(t), temp))

    os.makedirs(args.out, exist_ok=True)
    for name, header, data in [
        ("eemeter_uk_electricity_sample0_hourly.csv", ["time_utc", "energy_kwh"], meter),
        ("eemeter_uk_temperature_sample0_hourly.csv", ["time_utc", "temp_air_c"], temps),
    ]:
        with open(os.path.join(args.out, name), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(data)
        print(f"{name}: {len(data)} rows, {data[0][0]} .. {data[-1][0]}")


if __name__ == "__main__":
    main()
