#!/usr/bin/env bash
# Load test of `quartier serve` on loopback: CLIENTS concurrent keep-alive connections read a
# participant's meter curve (GET /api/v1/participants/{prm}/curve?from=..&to=..) for DURATION
# with wrk. Builds the release binary, starts the server on a free port with a temporary
# database (demo districts loaded at first start), uploads a year of quarter-hours for the
# first participant of the first demo district, checks one read, runs wrk, stops the server.
# Fails when any request errs (connect, read, write, timeout, or a status other than 2xx/3xx).
#
#   bench/load/run.sh                       # 50 clients, 30 s, a 7-day window (672 points)
#   CLIENTS=100 DURATION=60s DAYS=31 bench/load/run.sh
#   BIN=/path/to/quartier bench/load/run.sh  # a binary built elsewhere
set -euo pipefail
cd "$(dirname "$0")/../.."

CLIENTS=${CLIENTS:-50}
DURATION=${DURATION:-30s}
THREADS=${THREADS:-2}
DAYS=${DAYS:-7}
PASSWORD=load-test-password

if ! command -v wrk >/dev/null || ! command -v curl >/dev/null || ! command -v jq >/dev/null; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk curl jq
fi

# BIN names an already built binary (e.g. an older version, to compare on the same machine).
# shellcheck source=../lib/serve.sh
. bench/lib/serve.sh
DISTRICT=$(curl -sf -H "Cookie: $COOKIE" "$BASE/api/v1/districts" | jq -r '.districts[0].id')
PRM=$(curl -sf -H "Cookie: $COOKIE" "$BASE/api/v1/districts/$DISTRICT/participants" \
  | jq -r '.participants[0].prm')

# A year (2025) of quarter-hours in UTC, then the read window: DAYS from 1 June.
python3 - "$TMP/curve.csv" <<'PY'
import sys, datetime as dt
t = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
end = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
with open(sys.argv[1], "w") as f:
    f.write("time;kwh\n")
    i = 0
    while t < end:
        f.write(f"{t:%Y-%m-%dT%H:%M:%SZ};{0.05 + (i * 37 % 97) / 400:.4f}\n")
        t += dt.timedelta(minutes=15)
        i += 1
PY
curl -sf -X PUT -H "Cookie: $COOKIE" -H 'Content-Type: text/plain' \
  --data-binary "@$TMP/curve.csv" "$BASE/api/v1/participants/$PRM/curve?format=csv" | jq -c .
TO=$(date -u -d "2025-06-01 + $DAYS days" +%Y-%m-%dT%H:%M:%SZ)
PATH_Q="/api/v1/participants/$PRM/curve?from=2025-06-01T00:00:00Z&to=$TO"
POINTS=$(curl -sf -H "Cookie: $COOKIE" "$BASE$PATH_Q" | jq '.points | length')
BYTES=$(curl -sf -H "Cookie: $COOKIE" "$BASE$PATH_Q" | wc -c)
echo "one read: $POINTS points, $BYTES bytes of JSON: GET $PATH_Q"

echo "wrk -t$THREADS -c$CLIENTS -d$DURATION --latency (machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg))"
wrk -t"$THREADS" -c"$CLIENTS" -d"$DURATION" --latency -H "Cookie: $COOKIE" \
  -s bench/load/curve.lua "$BASE$PATH_Q" | tee "$TMP/wrk.txt"
RESULT=$(grep '^RESULT ' "$TMP/wrk.txt")
ERRORS=$(echo "$RESULT" | tr ' ' '\n' | awk -F= '/^errors_/ { n += $2 } END { print n + 0 }')
if [ "$ERRORS" -ne 0 ]; then
  echo "FAILED: $ERRORS request(s) failed"; tail -20 "$TMP/serve.log"; exit 1
fi
echo "no errors"
