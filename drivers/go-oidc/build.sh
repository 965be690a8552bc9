#!/usr/bin/env bash
# Build the go-oidc v3 driver as a Go module: the versions are pinned by go.mod and checked
# by go.sum. Downloads go to the module cache (GOMODCACHE, ~/go/pkg/mod by default), which
# later builds reuse; with the modules cached, GOFLAGS=-mod=mod GOPROXY=off builds offline.
# Output: drivers/go-oidc/bin/go-oidc-driver. Safe to run again: it rebuilds in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v go >/dev/null 2>&1 || { echo "build.sh: the go command is needed (Go 1.25 or later)" >&2; exit 1; }
cd "$here"
# -mod=readonly: go.mod and go.sum are the truth; a build never rewrites them.
oidc_version="$(go list -mod=readonly -m -f '{{.Version}}' github.com/coreos/go-oidc/v3)"
jose_version="$(go list -mod=readonly -m -f '{{.Version}}' github.com/go-jose/go-jose/v4)"
mkdir -p bin
env CGO_ENABLED=0 go build -mod=readonly -trimpath \
    -ldflags "-X main.oidcVersion=${oidc_version#v} -X main.joseVersion=${jose_version#v}" \
    -o bin/go-oidc-driver.tmp .
mv -f bin/go-oidc-driver.tmp bin/go-oidc-driver
echo "build.sh: built $here/bin/go-oidc-driver (go-oidc ${oidc_version}, go-jose ${jose_version}, $(go version | cut -d' ' -f3))"
