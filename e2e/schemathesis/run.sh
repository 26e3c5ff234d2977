#!/usr/bin/env bash
# Checks the API against its own OpenAPI document with schemathesis (every
# check, a fixed seed, a bounded number of cases per operation): a fresh
# SQLite database with the demo data, an admin token, the debug server on a
# free loopback port, stopped when the run ends.
#
# Usage: e2e/schemathesis/run.sh [qudao binary] [schemathesis binary]
set -euo pipefail
QUDAO=${1:-target/debug/qudao}
ST=${2:-.venv/schemathesis/bin/schemathesis}
EXAMPLES=${ST_EXAMPLES:-30}
SEED=${ST_SEED:-20261130}

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

db="sqlite://$work/schemathesis.db"
RUST_LOG=warn "$QUDAO" --db "$db" demo >/dev/null
token=$("$QUDAO" --db "$db" users token --login admin --name schemathesis)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
RUST_LOG=warn "$QUDAO" --db "$db" serve --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# One worker: with two, Python 3.11 sometimes fails inside its own AST
# construction ("SystemError: AST constructor recursion depth mismatch",
# CPython gh-106905, seen in threaded programs) while hypothesis builds
# strategies, which fails the run whatever the API does.
"$ST" --config-file "$(dirname "$0")/schemathesis.toml" run "$base/api/openapi.json" \
  --checks all \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --generation-database none \
  --workers 1 \
  --no-color \
  --header "Authorization: Bearer $token"
