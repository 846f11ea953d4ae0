#!/usr/bin/env bash
# Runs the tests of every module of the workspace (a plain `go test ./...` at the root
# does not cross module boundaries), after installing what the tests need.
# Extra arguments go to `go test` (e.g. scripts/test.sh -short, or -run Pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test

# Every module listed in go.work, as a ./dir/... pattern.
patterns=()
while read -r dir; do
	patterns+=("./${dir#$PWD/}/...")
done < <(go list -m -f '{{.Dir}}')

go vet "${patterns[@]}"
go test -count=1 -timeout 30m "$@" "${patterns[@]}"
