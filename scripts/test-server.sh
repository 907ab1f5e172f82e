#!/usr/bin/env bash
# Temporal's Java time-skipping test server (io.temporal:temporal-test-server,
# version pinned in scripts/test-server/pom.xml).
#
# Usage:
#   scripts/test-server.sh --prepare         fetch the classpath into .tools/test-server/lib, then exit 0
#   scripts/test-server.sh <port> [--enable-time-skipping]
#                                            run the server on <port>
#
# Main class io.temporal.testserver.TestServer takes `<port> [--enable-time-skipping]`.
# Without the flag the server starts with time skipping *locked*, which is what the
# TypeScript SDK expects: TestWorkflowEnvironment.createTimeSkipping() starts
# `<executable> <port>` and unlocks/relocks time skipping itself around
# `workflow.result()` / `env.sleep()`. Forcing the flag breaks that protocol
# ("Unbalanced lock and unlock calls", workflows time out), so it is only passed
# through when a caller asks for it (free-running time skipping, e.g. manual use).
#
# The server is started with `exec`, so the JVM replaces this shell: the Temporal
# SDK stops its ephemeral server with SIGKILL, and no wrapper process may survive it.
# Only progress and errors are written by this script (to stderr).
#
# Env: JAVA_HOME (optional), MAHNWERK_TEST_SERVER_JAVA_OPTS (JVM options, default
# "-XX:+UseSerialGC -XX:TieredStopAtLevel=1" plus the class-data archive --prepare writes).
# Exit codes: 0 ok, 2 bad usage, 3 Java/Maven missing, 4 fetching the jars failed.
set -euo pipefail

readonly MAIN_CLASS="io.temporal.testserver.TestServer"
readonly TIME_SKIPPING_FLAG="--enable-time-skipping"

log() { printf 'mahnwerk: %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  printf 'mahnwerk: error: %s\n' "$*" >&2
  exit "$code"
}
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; }

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd -- "$script_dir/.." && pwd -P)
pom_dir="$script_dir/test-server"
tools_dir="$root/.tools"
lib_dir="$tools_dir/test-server/lib"
archive="$tools_dir/test-server/classes.jsa"

find_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    java_bin="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    java_bin=$(command -v java)
  else
    die 3 "Java (11+) is required to run Temporal's test server; install a JRE or set JAVA_HOME"
  fi
}

java_major() {
  "$java_bin" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
}

# A class-data archive of the server's start-up (JDK 13+): the JVM then starts in about a third
# of the time, which keeps the SDK's fixed 5 s start-up limit far away on a busy machine.
prepare_archive() {
  [[ -f "$archive" ]] && return 0
  (($(java_major) >= 13)) || return 0
  local port=$((40000 + RANDOM % 20000)) tmp="$archive.tmp.$$" pid
  "$java_bin" -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$tmp" -cp "$lib_dir/*" "$MAIN_CLASS" "$port" \
    >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  # A normal exit (SIGTERM) writes the archive.
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [[ -s "$tmp" ]]; then mv "$tmp" "$archive"; else rm -f "$tmp"; fi
}

have_jars() {
  compgen -G "$lib_dir/temporal-test-server-*.jar" >/dev/null
}

prepare() {
  have_jars && return 0
  mkdir -p "$tools_dir"
  exec 9>"$tools_dir/test-server.lock"
  if ! flock -n 9; then
    log "another process is fetching the Temporal test server; waiting for it…"
    flock 9
  fi
  if ! have_jars; then
    command -v mvn >/dev/null 2>&1 ||
      die 3 "Maven ('mvn') is required once to fetch the Temporal test server into $lib_dir"
    log "fetching Temporal's Java test server with Maven into $lib_dir (first run only)…"
    local start=$SECONDS tmp_dir="$lib_dir.tmp.$$"
    rm -rf "$tmp_dir"
    # Copy into a temp dir and rename, so an interrupted run never leaves a partial classpath.
    if ! (cd "$pom_dir" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies \
      -DoutputDirectory="$tmp_dir" -DincludeScope=runtime) >&2; then
      rm -rf "$tmp_dir"
      die 4 "Maven could not fetch the test server (needs network access to Maven Central on first run)"
    fi
    rm -rf "$lib_dir"
    mkdir -p "$(dirname -- "$lib_dir")"
    mv "$tmp_dir" "$lib_dir"
    have_jars || die 4 "Maven finished but no temporal-test-server-*.jar is in $lib_dir"
    log "test server classpath ready after $((SECONDS - start))s"
  fi
  exec 9>&-
}

[[ $# -ge 1 ]] || {
  usage
  exit 2
}

case "$1" in
  --prepare)
    [[ $# -eq 1 ]] || die 2 "--prepare takes no further arguments"
    prepare
    find_java
    prepare_archive
    exit 0
    ;;
  -h | --help)
    usage
    exit 0
    ;;
esac

port=$1
shift
[[ "$port" =~ ^[0-9]+$ ]] || die 2 "expected a port number, got '$port' (usage: $0 <port> | --prepare)"

# TestServer.main accepts exactly `<port> [--enable-time-skipping]` and silently
# exits on anything else, so reject other arguments here instead of hanging the caller.
server_args=("$port")
for arg in "$@"; do
  if [[ "${arg,,}" == "$TIME_SKIPPING_FLAG" ]]; then
    server_args=("$port" "$TIME_SKIPPING_FLAG")
  else
    die 2 "unsupported test server argument '$arg' (the server only understands $TIME_SKIPPING_FLAG)"
  fi
done

prepare

find_java
# Fast start-up: few GC threads, the quick JIT only, and the class-data archive when prepared.
default_opts="-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
[[ -f "$archive" ]] && default_opts+=" -XX:SharedArchiveFile=$archive"
# shellcheck disable=SC2206 # intentional word splitting of JVM options
java_opts=(${MAHNWERK_TEST_SERVER_JAVA_OPTS-$default_opts})

exec "$java_bin" "${java_opts[@]}" -cp "$lib_dir/*" "$MAIN_CLASS" "${server_args[@]}"
