#!/usr/bin/env bash
# The API contract check: schemathesis (PyPI, pinned) against a running Mahnwerk, every check, the
# stateful phase following the OpenAPI links from PUT /v1/debtors/{id} to the case routes. Bounded
# examples and a fixed seed keep it to a few minutes; it passes only with zero failures. A request
# may take up to 30 s (a loaded two-core machine), above schemathesis' default of 10 s.
#
# Usage: scripts/schemathesis.sh URL API_KEY      e.g. scripts/schemathesis.sh http://127.0.0.1:3000 mw_...
#   SCHEMATHESIS_VENV   where the virtualenv lives (default .tools/schemathesis-<version>)
#   SCHEMATHESIS_EXAMPLES  examples per operation (default 10); SCHEMATHESIS_SEED (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

readonly VERSION="4.32.5"
url=${1:?usage: scripts/schemathesis.sh URL API_KEY}
key=${2:?usage: scripts/schemathesis.sh URL API_KEY}
venv=${SCHEMATHESIS_VENV:-.tools/schemathesis-$VERSION}

# Run through the venv's python, not its console script: the script's shebang holds the absolute path
# the venv was made at, which breaks when the checkout (or a worktree sharing .tools) moves.
if ! "$venv/bin/python" -c 'import schemathesis' 2> /dev/null; then
  echo "mahnwerk: installing schemathesis $VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

exec "$venv/bin/python" -m schemathesis.cli --no-color --config-file scripts/schemathesis.toml run "$url/docs/json" \
  --header "Authorization: Bearer $key" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --include-path-regex '^/v1/' \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-10}" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --workers 1 \
  --request-timeout 30 \
  --max-response-time 30
