#!/usr/bin/env bash
# Builds docketwatch and runs it on its embedded default: one process with its own NATS
# server, every stage and the HTTP API on 127.0.0.1:8080 (DOCKETWATCH_HTTP to change),
# data under ~/.local/share/docketwatch (DOCKETWATCH_DATA to change).
# Extra arguments go to `docketwatch run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
mkdir -p bin
go build -o bin/docketwatch ./services/docketwatch
exec bin/docketwatch run "$@"
