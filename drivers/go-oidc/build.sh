#!/usr/bin/env bash
# Build the go-oidc driver offline against Debian's Go source packages (GOPATH mode).
#
# Prerequisites (Debian bookworm; installs nothing itself):
#   apt-get install -y golang-go golang-github-coreos-go-oidc-dev
# Output: drivers/go-oidc/bin/go-oidc-driver. Safe to run again: it rebuilds in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gocode=/usr/share/gocode
missing=()
command -v go >/dev/null 2>&1 || missing+=("golang-go (the go command)")
for src in \
    github.com/coreos/go-oidc/jwks.go \
    gopkg.in/square/go-jose.v2/jwk.go \
    github.com/pquerna/cachecontrol/api.go \
    golang.org/x/oauth2/oauth2.go \
    golang.org/x/crypto/ed25519/ed25519.go; do
    [[ -f "$gocode/src/$src" ]] || missing+=("$gocode/src/$src")
done
if ((${#missing[@]})); then
    printf 'build.sh: missing %s\n' "${missing[@]}" >&2
    echo "build.sh: as root, run: apt-get update && apt-get install -y golang-go golang-github-coreos-go-oidc-dev" >&2
    exit 1
fi

# The versions the driver reports in hello, from the Debian packages (upstream part only).
version_of() {
    local v
    v="$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true)"
    v="${v#*:}"
    echo "${v%-*}"
}
oidc_version="$(version_of golang-github-coreos-go-oidc-dev)"
jose_version="$(version_of golang-gopkg-square-go-jose.v2-dev)"

mkdir -p "$here/bin"
cd "$here"
# GOPATH mode against Debian's tree only: no module proxy, no network, no go.mod.
env GO111MODULE=off GOPATH="$gocode" GOPROXY=off GOFLAGS= CGO_ENABLED=0 \
    GOCACHE="${GOCACHE:-$here/.gocache}" \
    go build -trimpath \
    -ldflags "-X main.oidcVersion=${oidc_version:-unknown} -X main.joseVersion=${jose_version:-unknown}" \
    -o bin/go-oidc-driver.tmp main.go
mv -f bin/go-oidc-driver.tmp bin/go-oidc-driver
echo "build.sh: built $here/bin/go-oidc-driver (go-oidc ${oidc_version:-unknown}, go-jose ${jose_version:-unknown}, $(go version | cut -d' ' -f3))"
