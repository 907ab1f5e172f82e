#!/usr/bin/env bash
# The API contract check end to end: starts Mahnwerk on its embedded defaults in a throwaway data
# directory (own ports, own API key), runs scripts/schemathesis.sh against it, and stops it again.
# Passes only with zero schemathesis failures. Used by .ci/run; prints how long it took.
#
#   CONTRACT_PORT   the API port (default 3950); Temporal, its UI and the sinks take the ports around it
# The rate limit per key is lifted: the check sends thousands of calls with one key in minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${CONTRACT_PORT:-3950}
data=$(mktemp -d)
key="contract-$(date +%s)-0123456789abcdef"
started=$SECONDS

# Its own process group, so stopping it stops the embedded Temporal server too.
PORT=$port TEMPORAL_PORT=$((port + 4000)) TEMPORAL_UI_PORT=$((port + 5000)) \
  SMTP_OUTBOX_PORT=$((port - 1000)) SMS_SINK_PORT=$((port - 999)) LETTER_SINK_PORT=$((port - 998)) \
  MAHNWERK_DATA_DIR="$data" MAHNWERK_DEV_API_KEY="$key" MAHNWERK_PUBLIC_URL="http://127.0.0.1:$port" \
  API_RATE_LIMIT=1000000 LOG_LEVEL=warn setsid npm start > "$data/mahnwerk.log" 2>&1 &
pid=$!
trap 'kill -- -"$pid" 2> /dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/ready" > /dev/null && break
  sleep 1
done
if ! curl -sf "http://127.0.0.1:$port/ready" > /dev/null; then
  echo "mahnwerk: the instance for the contract check did not get ready; its log:" >&2
  tail -50 "$data/mahnwerk.log" >&2
  exit 1
fi

bash scripts/schemathesis.sh "http://127.0.0.1:$port" "$key"
echo "== API contract took $((SECONDS - started))s"
