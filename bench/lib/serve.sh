# Sourced by the scripts under bench/ that need a running server: starts `quartier serve`
# ($BIN, or a release build made here) on a free loopback port with a temporary database and
# data folder (the demo districts are loaded at first start), waits until it answers, and signs
# in as the programme user `admin` with $PASSWORD.
#
# Sets: BIN, TMP (removed at exit), BASE (http://127.0.0.1:PORT), PID (the server, stopped at
# exit), SESSION (the session token) and COOKIE (`quartier_session=…`, for `curl -H "Cookie: …"`).
# The server's output is in "$TMP/serve.log".

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
COOKIE="quartier_session=$SESSION"
