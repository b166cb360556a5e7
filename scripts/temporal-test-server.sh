#!/usr/bin/env bash
# Finds or fetches Temporal's time-skipping test server (the Java SDK's io.temporal:temporal-test-server, from
# Maven Central) and prints the path of a launcher for it on stdout; everything else goes to stderr. The launcher
# takes the arguments @temporalio/testing gives an existing-path test server (`<port> --enable-time-skipping`).
# Only the workflow tests with mocked activities use it (test/support/time-skipping.ts): they wait on durable
# timers (quota waits, reconnect checks, activity retries) that the test server skips instead of sleeping.
#
# Routes, in order: $TEMPORAL_TEST_SERVER; the cache; Maven (java and mvn on PATH) into the cache.
# @temporalio/testing's own route (a native build from temporal.download) needs internet, and the repository
# installs nothing from there.
set -euo pipefail

# The one place the test server version is pinned.
VERSION="1.38.0"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/xero-manual-sync/temporal-test-server"
CACHE_DIR="$CACHE_ROOT/$VERSION"
LAUNCHER="$CACHE_DIR/temporal-test-server"
MAIN_CLASS="io.temporal.testserver.TestServer"

say() { echo "[temporal-test-server] $*" >&2; }

# A complete install: the launcher, the server's jar and a JVM to run it.
works() { [ -x "$1" ] && [ -f "$(dirname "$1")/lib/temporal-test-server-$VERSION.jar" ] && [ -f "$(dirname "$1")/lib/slf4j-nop-1.7.36.jar" ] && java -version >/dev/null 2>&1; }

if [ -n "${TEMPORAL_TEST_SERVER:-}" ]; then
  if [ -x "$TEMPORAL_TEST_SERVER" ]; then
    say "using \$TEMPORAL_TEST_SERVER ($TEMPORAL_TEST_SERVER)"; echo "$TEMPORAL_TEST_SERVER"; exit 0
  fi
  say "\$TEMPORAL_TEST_SERVER is set to '$TEMPORAL_TEST_SERVER' but that is not an executable"; exit 1
fi

if works "$LAUNCHER"; then say "using cached copy ($LAUNCHER)"; echo "$LAUNCHER"; exit 0; fi

fetch_with_maven() {
  command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 || return 1
  local work; work=$(mktemp -d)
  cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.xero-manual-sync</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$VERSION</version>
    </dependency>
    <!-- The server logs through SLF4J 1.7; without a binding it warns on every start. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
POM
  say "fetching io.temporal:temporal-test-server:$VERSION and its runtime jars with Maven into $CACHE_DIR (first time only)"
  rm -rf "$CACHE_DIR"; mkdir -p "$CACHE_DIR"
  # Maven's own downloads stay in the scratch folder (only the server's runtime jars are kept); its output is
  # shown only when it fails.
  local status=0
  mvn -B -q -f "$work/pom.xml" -Dmaven.repo.local="$work/m2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$CACHE_DIR/lib" >"$work/mvn.log" 2>&1 || status=$?
  [ "$status" -eq 0 ] || cat "$work/mvn.log" >&2
  rm -rf "$work"
  [ "$status" -eq 0 ] || return 1
  # exec: the process @temporalio/testing starts, and kills at teardown, is the JVM itself.
  cat >"$LAUNCHER" <<LAUNCH
#!/bin/sh
exec "\${JAVA:-java}" -cp "$CACHE_DIR/lib/*" $MAIN_CLASS "\$@"
LAUNCH
  chmod +x "$LAUNCHER"
}

if fetch_with_maven && works "$LAUNCHER"; then say "installed $LAUNCHER"; echo "$LAUNCHER"; exit 0; fi

cat >&2 <<MSG
[temporal-test-server] Could not find or fetch the Temporal test server $VERSION. Your options:
  1. Install a JDK (17 or newer) and Maven, and re-run: this script fetches io.temporal:temporal-test-server:$VERSION
     from Maven Central into $CACHE_DIR.
  2. Point TEMPORAL_TEST_SERVER at an executable that runs the test server as '<path> <port> --enable-time-skipping'
     (a launcher for the Java server, or the native temporal-test-server of a Java SDK release).
MSG
exit 1
