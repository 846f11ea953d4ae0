#!/usr/bin/env bash
# Runs every test of the module (go vet first), after installing what the tests need.
# Extra arguments go to `go test` (e.g. scripts/test.sh -short, or -run Pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test

go vet ./...
go test -count=1 -timeout 30m "$@" ./...
