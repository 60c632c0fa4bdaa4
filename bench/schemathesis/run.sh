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
# shellcheck source=../lib/serve.sh
. bench/lib/serve.sh

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
