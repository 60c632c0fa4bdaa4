#!/usr/bin/env bash
# Conformance of the API to its OpenAPI document (crates/web/src/openapi.json), bounded: starts
# `quartier serve` on a free loopback port with a temporary database (the demo districts are
# loaded at first start), signs in as the programme user, and lets schemathesis generate
# requests for every operation, valid and invalid, as that user. Fails when any answer is a
# server error (5xx), a status code the document does not list for the operation, a content
# type it does not declare, or headers it declares but the answer lacks.
#
#   bench/schemathesis/run.sh                     # 15 examples per operation, seed 1
#   EXAMPLES=200 SEED=7 bench/schemathesis/run.sh # a longer run
#   MAX_TIME=600 bench/schemathesis/run.sh        # fuzz until 600 s are spent
#   BIN=target/release/quartier bench/schemathesis/run.sh  # an already built binary
#
# schemathesis is pinned in requirements.txt and installed into bench/.venv-schemathesis
# (git-ignored). Logout is left out (it would end the session the run uses); the rest runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

EXAMPLES=${EXAMPLES:-15}
SEED=${SEED:-1}
MAX_TIME=${MAX_TIME:-}
PASSWORD=schemathesis-admin-password
VENV=bench/.venv-schemathesis

if ! command -v curl >/dev/null; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq curl
fi
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r bench/schemathesis/requirements.txt
fi
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -p quartier-cli
  BIN=target/release/quartier
fi

TMP=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ADDR=127.0.0.1:$PORT
BASE=http://$ADDR
QUARTIER_ADMIN_PASSWORD=$PASSWORD "$BIN" serve --addr "$ADDR" --db "sqlite://$TMP/q.db" \
  --data-dir "$TMP/data" >"$TMP/serve.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT

# The first start loads and simulates the demo districts before it listens.
for _ in $(seq 1500); do
  curl -sf "$BASE/api/v1/openapi.json" >/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$TMP/serve.log"; exit 1; }
  sleep 0.2
done
curl -sf "$BASE/api/v1/openapi.json" >/dev/null

curl -sf -c "$TMP/jar" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/login" >/dev/null
SESSION=$(awk '$6 == "quartier_session" { print $7 }' "$TMP/jar")

status=0
budget=()
[ -n "$MAX_TIME" ] && budget=(--max-time "$MAX_TIME")
"$VENV/bin/schemathesis" run "$BASE/api/v1/openapi.json" --url "$BASE" \
  -H "Cookie: quartier_session=$SESSION" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance \
  --exclude-path /api/v1/logout \
  --phases examples,coverage,fuzzing \
  --max-examples "$EXAMPLES" --seed "$SEED" "${budget[@]}" \
  --request-timeout 60 --workers 1 --no-color \
  --generation-database none || status=$?
if [ "$status" -ne 0 ]; then
  echo "schemathesis found answers that break the OpenAPI document (server log follows)"
  tail -n 50 "$TMP/serve.log"
fi
exit "$status"
