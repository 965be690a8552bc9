#!/usr/bin/env bash
# Build the jwx driver as a Go module: the versions are pinned by go.mod and checked by
# go.sum. Downloads go to the module cache (GOMODCACHE, ~/go/pkg/mod by default), which later
# builds reuse; with the modules cached, GOPROXY=off builds offline.
# Output: drivers/jwx/bin/jwx-driver. Safe to run again: it rebuilds in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v go >/dev/null 2>&1 || { echo "build.sh: the go command is needed (Go 1.25 or later)" >&2; exit 1; }
cd "$here"
# -mod=readonly: go.mod and go.sum are the truth; a build never rewrites them.
jwx_version="$(go list -mod=readonly -m -f '{{.Version}}' github.com/lestrrat-go/jwx/v3)"
httprc_version="$(go list -mod=readonly -m -f '{{.Version}}' github.com/lestrrat-go/httprc/v3)"
mkdir -p bin
env CGO_ENABLED=0 go build -mod=readonly -trimpath \
    -ldflags "-X main.jwxVersion=${jwx_version#v} -X main.httprcVersion=${httprc_version#v}" \
    -o bin/jwx-driver.tmp .
mv -f bin/jwx-driver.tmp bin/jwx-driver
echo "build.sh: built $here/bin/jwx-driver (jwx ${jwx_version}, httprc ${httprc_version}, $(go version | cut -d' ' -f3))"
