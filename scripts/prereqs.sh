#!/usr/bin/env bash
# Install what the test suite needs besides Rust and Go. Idempotent; safe to run again.
#  - Go 1.19 from Debian (golang-1.19-go): an older go without $GOROOT/go.env, to show that
#    godoctor attributes built-in defaults right on Go < 1.21.
set -euo pipefail
cd "$(dirname "$0")/.."

need_old_go=1
[ -x /usr/lib/go-1.19/bin/go ] && need_old_go=0
if [ "$need_old_go" = 1 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "prereqs: installing golang-1.19-go (Debian) for the old-Go provenance test"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.19-go >/dev/null
  else
    echo "prereqs: cannot install golang-1.19-go here (needs apt-get as root)." >&2
    echo "prereqs: install it, or run tests with GODOCTOR_TEST_OLD_GO=/path/to/go1.16+ binary" >&2
    exit 1
  fi
fi
# Profile tests: `script` (a pseudo-terminal for the prompts) and `chattr` (a go env file even
# root cannot write).
for tool in script:bsdutils chattr:e2fsprogs; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null
    else
      echo "prereqs: the profile tests need \`${tool%%:*}\` (package ${tool#*:})" >&2
      exit 1
    fi
  fi
done
# Port tests (tests/port.rs): real holders of a port started on loopback: Debian's nginx (a
# master and workers sharing one socket), Debian's python3 (runnable by `nobody` for the
# other-user case via setpriv), node (a JSON 404 server); `ss` is the referee for holders.
for tool in /usr/sbin/nginx:nginx-light /usr/bin/python3:python3 node:nodejs setpriv:util-linux ss:iproute2; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      echo "prereqs: installing ${tool#*:} for the port tests"
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null
    else
      echo "prereqs: the port tests need \`${tool%%:*}\` (package ${tool#*:})" >&2
      exit 1
    fi
  fi
done
# The loopback checksum database of the probe tests (tests/sumdbserver) needs golang.org/x/mod
# in the module cache: download it here, the one step that needs the Go module proxy.
if ! (cd tests/sumdbserver && GOFLAGS=-mod=mod go mod download golang.org/x/mod); then
  echo "prereqs: could not download golang.org/x/mod for tests/sumdbserver (needs the Go module proxy)" >&2
  exit 1
fi
echo "prereqs: ok"
