#!/usr/bin/env bash
# Install what the test suite needs besides Rust and Go. Idempotent: what is present is left
# alone, so a second run installs nothing and needs neither root nor the network.
#
# Installing needs apt-get as root (Debian/Ubuntu) and the package mirrors. Where that is not
# possible, CI (CI=true) fails here with what is missing; anywhere else this script says what it
# could not install and succeeds, and the tests that need it are skipped with one line each
# (tests/it/common::prerequisite). Go itself is required everywhere: it is what godoctor manages.
set -euo pipefail
cd "$(dirname "$0")/.."

in_ci() { case "${CI:-}" in "" | 0 | false | FALSE | False) return 1 ;; *) return 0 ;; esac; }

missing=()
updated=0
# need PROGRAM PACKAGE WHY: PROGRAM is an absolute path or a command looked up on PATH.
need() {
  local program=$1 package=$2 why=$3
  if [ -x "$program" ] || { [ "${program#/}" = "$program" ] && command -v "$program" >/dev/null 2>&1; }; then
    return 0
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "prereqs: installing $package ($why)"
    if [ "$updated" = 0 ]; then
      apt-get update -qq >/dev/null && updated=1 || true
    fi
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; then
      return 0
    fi
    echo "prereqs: apt-get could not install $package" >&2
  fi
  missing+=("$package ($why)")
}

command -v go >/dev/null 2>&1 || {
  echo "prereqs: \`go\` is not on PATH: install Go 1.16+ (https://go.dev/dl); every integration test runs it" >&2
  exit 1
}

need git git "go's direct fetches from a local repository (tests/it/explain.rs unknown revision)"
need /usr/lib/go-1.19/bin/go golang-1.19-go "an old go without \$GOROOT/go.env: tests/it/env.rs provenance on Go < 1.21"
need script bsdutils "a pseudo-terminal for the prompts of tests/it/profile.rs and tests/it/setup.rs"
need chattr e2fsprogs "a go env file even root cannot write, in tests/it/profile.rs"
need /usr/sbin/nginx nginx-light "a real web server holding a proxy's port (master + workers), tests/it/port.rs"
need python3 python3 "python http.server and raw listeners as port holders, tests/it/port.rs"
need node nodejs "a Node server answering JSON 404s as a port holder, tests/it/port.rs"
need setpriv util-linux "a port held by another user, tests/it/port.rs"
need ss iproute2 "the referee for who holds a port, tests/it/port.rs"

# The loopback checksum database of the probe tests (tests/sumdbserver) needs golang.org/x/mod
# in the module cache: the one step that needs the Go module proxy.
if ! (cd tests/sumdbserver && GOFLAGS=-mod=mod go mod download golang.org/x/mod); then
  missing+=("golang.org/x/mod (the Go module proxy was not reachable; tests/sumdbserver needs it)")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  for m in "${missing[@]}"; do echo "prereqs: missing: $m" >&2; done
  if in_ci; then
    echo "prereqs: CI=true: every prerequisite is mandatory (run as root on Debian/Ubuntu with the package mirrors reachable)" >&2
    exit 1
  fi
  echo "prereqs: the tests that need these will be skipped, each with one line saying why" >&2
  exit 0
fi
echo "prereqs: ok"
