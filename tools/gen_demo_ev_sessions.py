#!/usr/bin/env python3
"""Generate SYNTHETIC EV charging sessions for the Quartier demo districts, year 2025.

Writes, in the generic session layout `plug_in,plug_out,energy_kwh,charger_kw` (ISO 8601 with
offset, Europe/Paris local time):

    examples/data/meudon_ev_sessions_2025.csv       8 public 22 kW charge points
    examples/data/hydroseine_ev_sessions_2025.csv   6 public 22 kW charge points

Why synthetic: the only real session file at hand (Trondheim residential sessions, CC BY 4.0
but shared with the project as test input only) may not be embedded, and it describes home
charging in Norway, not public/municipal charging in France. These files are a plausible,
reproducible stand-in for demos; they are not measurements and must not be used as evidence
of real charging behaviour.

Usage (from the repository root; stdlib only, Python >= 3.9 with the IANA time-zone database,
which Linux and macOS ship; on Windows `pip install tzdata`):

    python3 tools/gen_demo_ev_sessions.py            # writes the two files
    python3 tools/gen_demo_ev_sessions.py --check    # regenerates in memory, compares, exits 1 on change

The output is fully determined by SEED, the parameters below and the Python version's
`random` module (random.Random seeded with a fixed string). Python guarantees only that
random() repeats across versions; gauss(), lognormvariate() and choices() have been stable for
many releases but are not guaranteed, so `--check` exists to detect a change. The committed
files were made with Python 3.11.

Assumptions and where they come from (honestly: shapes were *informed* by the sources below,
the numbers are judgement calls, not statistical fits):

1. Arrival times. The SimBench public charging profiles (`APLS_*` columns of the SimBench 2016
   15-min load/EV/heat-pump profiles, simbench 1.6.3, data ODbL; Meinecke et al., "SimBench - A
   Benchmark Dataset of Electric Power Systems ...", Energies 13(12):3290, 2020) were examined
   as follows: the start of every run of non-zero values ("charging event") was counted by hour.
   For the aggregated profile `APLS_0.5202` 250 events start mostly 05:00-09:00 (peak 07:00,
   then 06:00 and 08:00), with a tail through midday and a small evening tail; about 90 % of
   the events and of the energy fall on weekdays. Workplace/municipal charging near public
   buildings has the same morning-arrival character (office parking lots in the ElaadNL /
   University of Twente "SmoothEMS met GridShield" a.s.r. data set, data.4tu.nl, are a public
   example of such a site; only its description was consulted, not its numbers). We therefore
   use, on weekdays, a mixture of three normal distributions of local arrival hour: a morning
   peak at 08:30 (staff, municipal vehicles), a smaller midday peak at 12:45 (visitors) and a
   smaller evening peak at 18:15 (residents and evening activities at municipal buildings).
   French office hours start later than the German ones behind SimBench, hence 08:30 rather
   than 07:00. Weekends and holidays: a flat midday/afternoon mixture.

2. Number of sessions. Poisson counts per day; on weekdays about 1.4 sessions per charge point
   (a moderately used public 22 kW point; Dutch public-charging studies report a few sessions
   per point per day at busy urban points, e.g. Wolbertus, van den Hoed & Maase, EVS29 2016,
   "Benchmarking charging infrastructure utilization"). Saturdays 35 % and Sundays/public
   holidays 20 % of the weekday rate, in line with the ~10 % weekend share of SimBench APLS.
   August (French summer holidays) 70 %, 22-31 December 60 %.

3. Dwell (plug-in to plug-out). Morning arrivals stay a working day (log-normal, median 7.5 h),
   midday visitors stay briefly (median 1.5 h), evening arrivals a few hours (median 2.5 h).
   Public-charging studies consistently find connection times much longer than charging times
   (cars stay plugged after they are full; e.g. Wolbertus et al. above and the Amsterdam
   University of Applied Sciences assessment platform, Maase et al., World Electric Vehicle
   Journal 9(2):25, 2018), which the 7.5 h working-day dwell reproduces.

4. Energy. Requested energy log-normal with median 14 kWh (a commute of a few tens of km plus
   margin), capped at 60 kWh; delivered energy is the smaller of that and what the car's
   on-board charger can take during the dwell (car AC power 7.4, 11 or 22 kW with weights
   0.35/0.50/0.15, at most the charge point's 22 kW). Hence energy_kwh <= charger_kw x dwell
   hours always holds; the generator asserts it.

5. Capacity. A car that arrives when all charge points of the site are occupied goes away
   (the session is dropped and counted), so the number of cars plugged in at once never
   exceeds the number of charge points; the generator asserts it. Sessions are cut at the end
   of 2025 (plug-out at most 2026-01-01T00:00 local).

Times are drawn in local wall-clock time (arrivals between 06:00 and 22:30, never in a DST
gap or repeated hour), converted to UTC, the dwell is added in UTC (a physical duration, so
DST changes during a session are handled), then written in local time with its offset.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import io
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

SEED = 20250101
YEAR = 2025
PARIS = ZoneInfo("Europe/Paris")
UTC = dt.timezone.utc
ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "examples" / "data"


@dataclass(frozen=True)
class Site:
    """A demo site: its file name, number of charge points and their power."""

    file: str
    charge_points: int
    charger_kw: float
    weekday_sessions_per_point: float


SITES = [
    Site("meudon_ev_sessions_2025.csv", 8, 22.0, 1.4),
    Site("hydroseine_ev_sessions_2025.csv", 6, 22.0, 1.4),
]

# Arrival mixtures: (weight, mean local hour, standard deviation in hours, dwell median h, dwell sigma).
WEEKDAY_MIX = [
    (0.55, 8.5, 0.75, 7.5, 0.25),  # morning: staff, municipal vehicles — stay the working day
    (0.25, 12.75, 1.0, 1.5, 0.50),  # midday: visitors — short stays
    (0.20, 18.25, 1.25, 2.5, 0.50),  # evening: residents, evening activities
]
WEEKEND_MIX = [
    (0.60, 11.5, 1.75, 2.0, 0.60),
    (0.40, 16.5, 2.0, 2.5, 0.60),
]
EARLIEST_ARRIVAL_H = 6.0
LATEST_ARRIVAL_H = 22.5
MAX_DWELL_H = 14.0
MIN_DWELL_MIN = 10

SATURDAY_FACTOR = 0.35
SUNDAY_HOLIDAY_FACTOR = 0.20
AUGUST_FACTOR = 0.70
CHRISTMAS_WEEK_FACTOR = 0.60  # 22–31 December

ENERGY_MEDIAN_KWH = 14.0
ENERGY_SIGMA = 0.5
ENERGY_CAP_KWH = 60.0
CAR_AC_KW = [(7.4, 0.35), (11.0, 0.50), (22.0, 0.15)]


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday, anonymous Gregorian computus (same as quartier-profiles)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def french_holidays(year: int) -> set[dt.date]:
    """The eleven national public holidays of metropolitan France."""
    e = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    days = {dt.date(year, m, d) for m, d in fixed}
    days |= {e + dt.timedelta(days=n) for n in (1, 39, 50)}
    return days


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson draw by Knuth's method (lam is small here)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def day_rate(site: Site, day: dt.date, holidays: set[dt.date]) -> tuple[float, list]:
    """Expected number of sessions on `day` and the arrival mixture to use."""
    lam = site.weekday_sessions_per_point * site.charge_points
    if day.weekday() == 6 or day in holidays:
        lam *= SUNDAY_HOLIDAY_FACTOR
        mix = WEEKEND_MIX
    elif day.weekday() == 5:
        lam *= SATURDAY_FACTOR
        mix = WEEKEND_MIX
    else:
        mix = WEEKDAY_MIX
    if day.month == 8:
        lam *= AUGUST_FACTOR
    if day.month == 12 and day.day >= 22:
        lam *= CHRISTMAS_WEEK_FACTOR
    return lam, mix


def draw_session(rng: random.Random, site: Site, day: dt.date, mix: list, year_end_utc: dt.datetime):
    """One candidate session (plug_in UTC, plug_out UTC, energy kWh)."""
    weights = [w for w, *_ in mix]
    _, mean_h, sd_h, dwell_median_h, dwell_sigma = rng.choices(mix, weights=weights)[0]
    hour = rng.gauss(mean_h, sd_h)
    hour = min(max(hour, EARLIEST_ARRIVAL_H), LATEST_ARRIVAL_H)
    minute_of_day = int(round(hour * 60))
    local = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute_of_day)
    plug_in = local.replace(tzinfo=PARIS).astimezone(UTC)  # 06:00–22:30 is never in a DST gap

    dwell_h = rng.lognormvariate(math.log(dwell_median_h), dwell_sigma)
    dwell_min = max(MIN_DWELL_MIN, min(int(round(dwell_h * 60)), int(MAX_DWELL_H * 60)))
    plug_out = min(plug_in + dt.timedelta(minutes=dwell_min), year_end_utc)
    dwell_hours = (plug_out - plug_in).total_seconds() / 3600.0

    car_kw = min(site.charger_kw, rng.choices([k for k, _ in CAR_AC_KW], [w for _, w in CAR_AC_KW])[0])
    wanted = min(ENERGY_CAP_KWH, rng.lognormvariate(math.log(ENERGY_MEDIAN_KWH), ENERGY_SIGMA))
    energy = min(wanted, car_kw * dwell_hours)
    energy = math.floor(energy * 100) / 100  # round down: never above the physical limit
    return plug_in, plug_out, energy


def generate(site: Site, seed: int) -> tuple[list[tuple[dt.datetime, dt.datetime, float]], int]:
    """All kept sessions of the year for `site`, sorted by plug-in, and the number dropped."""
    rng = random.Random(f"{seed}:{site.file}")
    holidays = french_holidays(YEAR)
    year_end_utc = dt.datetime(YEAR + 1, 1, 1, tzinfo=PARIS).astimezone(UTC)
    candidates = []
    day = dt.date(YEAR, 1, 1)
    while day.year == YEAR:
        lam, mix = day_rate(site, day, holidays)
        for _ in range(poisson(rng, lam)):
            candidates.append(draw_session(rng, site, day, mix, year_end_utc))
        day += dt.timedelta(days=1)
    candidates.sort(key=lambda s: (s[0], s[1]))

    kept, dropped = [], 0
    plugged: list[dt.datetime] = []  # min-heap of plug-out instants of cars still plugged in
    for s in candidates:
        while plugged and plugged[0] <= s[0]:
            heapq.heappop(plugged)
        if len(plugged) >= site.charge_points:
            dropped += 1  # every point busy: the driver goes elsewhere
            continue
        heapq.heappush(plugged, s[1])
        kept.append(s)
    return kept, dropped


def max_simultaneous(sessions) -> int:
    """Largest number of sessions plugged in at once (plug-out at t frees the point at t)."""
    events = sorted([(s[0], 1) for s in sessions] + [(s[1], -1) for s in sessions],
                    key=lambda e: (e[0], e[1]))
    peak = cur = 0
    for _, delta in events:
        cur += delta
        peak = max(peak, cur)
    return peak


def render(site: Site, sessions) -> str:
    """The CSV text."""
    out = io.StringIO()
    out.write("plug_in,plug_out,energy_kwh,charger_kw\n")
    for plug_in, plug_out, energy in sessions:
        a = plug_in.astimezone(PARIS).isoformat()
        b = plug_out.astimezone(PARIS).isoformat()
        out.write(f"{a},{b},{energy:.2f},{site.charger_kw:g}\n")
    return out.getvalue()


def check(site: Site, sessions) -> None:
    """The invariants promised in the README; raises AssertionError when broken."""
    for plug_in, plug_out, energy in sessions:
        hours = (plug_out - plug_in).total_seconds() / 3600.0
        assert hours > 0, (plug_in, plug_out)
        assert 0 <= energy <= site.charger_kw * hours + 1e-9, (plug_in, energy, hours)
        assert plug_in.astimezone(PARIS).year == YEAR
    assert max_simultaneous(sessions) <= site.charge_points


def summary(site: Site, sessions, dropped: int) -> str:
    n = len(sessions)
    energy = sum(s[2] for s in sessions)
    dwell = sorted((s[1] - s[0]).total_seconds() / 3600 for s in sessions)
    weekday = sum(1 for s in sessions if s[0].astimezone(PARIS).weekday() < 5)
    morning = sum(1 for s in sessions if 7 <= s[0].astimezone(PARIS).hour < 10)
    return (
        f"{site.file}: {n} sessions ({dropped} dropped: all {site.charge_points} points busy), "
        f"{energy:,.0f} kWh, {energy / max(n, 1):.1f} kWh/session, median dwell "
        f"{dwell[n // 2] if n else 0:.1f} h, weekday share {weekday / max(n, 1):.0%}, "
        f"07-10 h arrivals {morning / max(n, 1):.0%}, max simultaneous {max_simultaneous(sessions)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the files on disk differ from a fresh run")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args()

    status = 0
    for site in SITES:
        sessions, dropped = generate(site, SEED)
        check(site, sessions)
        text = render(site, sessions)
        path = args.out_dir / site.file
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                print(f"{path}: differs from a fresh run", file=sys.stderr)
                status = 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        print(summary(site, sessions, dropped))
    return status


if __name__ == "__main__":
    sys.exit(main())
