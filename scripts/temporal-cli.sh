#!/usr/bin/env bash
# Finds or builds the Temporal CLI (which embeds a complete dev server and its Web UI) and prints its path on
# stdout. Everything else goes to stderr, so callers can do: TEMPORAL_CLI=$(bash scripts/temporal-cli.sh).
#
# Routes, in order: $TEMPORAL_CLI; `temporal` on PATH; the cache; `go install` into the cache (Go >= 1.25);
# the official release archive (needs internet).
set -euo pipefail

# The one place the CLI version is pinned. v1.5.1 is the newest release `go install` accepts: from v1.6.0 on
# the CLI's go.mod carries a replace directive.
VERSION="1.5.1"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/xero-manual-sync/temporal-cli"
CACHE_DIR="$CACHE_ROOT/$VERSION"
CACHED="$CACHE_DIR/temporal"

say() { echo "[temporal-cli] $*" >&2; }

works() { "$1" --version >/dev/null 2>&1; }

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if works "$TEMPORAL_CLI"; then say "using \$TEMPORAL_CLI ($TEMPORAL_CLI)"; echo "$TEMPORAL_CLI"; exit 0; fi
  say "\$TEMPORAL_CLI is set to '$TEMPORAL_CLI' but that is not a working temporal binary"; exit 1
fi

if command -v temporal >/dev/null 2>&1 && works "$(command -v temporal)"; then
  say "using temporal on PATH ($(command -v temporal))"; command -v temporal; exit 0
fi

if [ -x "$CACHED" ] && works "$CACHED"; then
  say "using cached build ($CACHED)"; echo "$CACHED"; exit 0
fi

go_is_new_enough() {
  command -v go >/dev/null 2>&1 || return 1
  local v; v=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
  local major=${v%%.*} rest=${v#*.}; local minor=${rest%%.*}
  [ "${major:-0}" -gt 1 ] || { [ "${major:-0}" -eq 1 ] && [ "${minor:-0}" -ge 25 ]; }
}

# Go's output as progress, line by line as it comes: the "go: downloading <module>" lines become a count every
# 25 modules (not a wall of them); anything else (an error) is passed on as it is.
go_progress() {
  awk '/^go: downloading/ { n++; if (n % 25 == 1) printf "[temporal-cli] downloading Go modules: %d so far\n", n; fflush(); next }
       { print "[temporal-cli] " $0; fflush() }' >&2
}

# One go install, with its progress streamed, and a line every 30 s while it compiles (which prints nothing).
go_install() {
  local started=$SECONDS
  # The sleep holds no pipe of ours (a caller waits for our stderr to close), so stopping the ticker ends it.
  ( while sleep 30 </dev/null >/dev/null 2>&1; do say "still building ($((SECONDS - started)) s so far)"; done ) &
  local ticker=$!
  local status=0
  "$@" 2>&1 | go_progress || status=$?
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  return "$status"
}

build_with_go() {
  mkdir -p "$CACHE_DIR"
  say "building Temporal CLI v$VERSION with $(go version) into $CACHE_DIR (first time only; several minutes)"
  local ldflags="-X github.com/temporalio/cli/temporalcli.Version=$VERSION"
  if go_install env GOFLAGS="${GOFLAGS:--p=2}" GOBIN="$CACHE_DIR" go install -ldflags "$ldflags" \
      "github.com/temporalio/cli/cmd/temporal@v$VERSION"; then return 0; fi
  say "go install failed; retrying with GOSUMDB=off (Go's checksum database may be unreachable here;"
  say "the CLI's own go.sum still pins every dependency)"
  go_install env GOSUMDB=off GOFLAGS="${GOFLAGS:--p=2}" GOBIN="$CACHE_DIR" go install -ldflags "$ldflags" \
    "github.com/temporalio/cli/cmd/temporal@v$VERSION"
}

download_release() {
  local os arch
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) return 1 ;; esac
  local url="https://temporal.download/cli/archive/v$VERSION?platform=$os&arch=$arch"
  say "downloading the official release archive: $url"
  mkdir -p "$CACHE_DIR"
  curl -fsSL "$url" -o "$CACHE_DIR/cli.tar.gz" && tar -xzf "$CACHE_DIR/cli.tar.gz" -C "$CACHE_DIR" temporal \
    && rm -f "$CACHE_DIR/cli.tar.gz"
}

if go_is_new_enough && build_with_go && works "$CACHED"; then
  say "built $CACHED"; echo "$CACHED"; exit 0
fi
if command -v curl >/dev/null 2>&1 && download_release && works "$CACHED"; then
  say "downloaded $CACHED"; echo "$CACHED"; exit 0
fi

cat >&2 <<MSG
[temporal-cli] Could not find or build the Temporal CLI v$VERSION. Your options:
  1. Point TEMPORAL_CLI at an existing temporal binary:   TEMPORAL_CLI=/path/to/temporal npm start
  2. Put temporal on your PATH (e.g. 'brew install temporal', or the release archive from
     https://github.com/temporalio/cli/releases/tag/v$VERSION).
  3. Install Go >= 1.25 and re-run: this script runs
     go install github.com/temporalio/cli/cmd/temporal@v$VERSION  (into $CACHE_DIR)
  4. Use an existing Temporal server instead: TEMPORAL_ADDRESS=host:7233 npm start
MSG
exit 1
