#!/bin/sh
# Print the `godoctor check` examples of README.md, made by the built binary in an isolated
# user (temporary HOME and go env file, empty module cache), so the README shows real output.
#
#   cargo build && scripts/readme_examples.sh
#
# Network traffic stays on this machine: the first example's proxy is a loopback port nothing
# listens on (3000), and the second runs with --offline.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${GODOCTOR:-$root/target/debug/godoctor}
go=$(command -v go) || { echo "readme_examples.sh: go is not on PATH" >&2; exit 2; }
if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then
    echo "readme_examples.sh: something listens on 127.0.0.1:3000; stop it first" >&2
    exit 2
fi
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
home=$tmp/home
mkdir -p "$home/.config/go" "$home/work"

# One user's `godoctor ARGS…`: a clean environment, the temp HOME shown as ~.
run() {
    (cd "$home/work" && env -i PATH="$(dirname "$go"):/usr/bin:/bin" HOME="$home" \
        XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" LC_ALL=C \
        GODOCTOR_HOME="$tmp/godoctor" "$bin" "$@") | sed "s#$home#~#g"
}

echo '$ godoctor check'
printf 'GOPROXY=http://127.0.0.1:3000\nGOSUMDB=off\n' > "$home/.config/go/env"
run check --color never || true
echo
echo '$ godoctor check --offline'
rm "$home/.config/go/env"
run check --offline --color never || true
