#!/usr/bin/env bash
# Installs the programs docketwatch uses beside its own binary, when they are missing:
# poppler-utils (pdftotext, pdftoppm, pdfinfo: the fallback text engine and page
# rendering for OCR) and tesseract-ocr (OCR of scanned pages); with "test", also what the
# tests use: Chromium for the browser tests of the web UI, groff, Ghostscript and
# LibreOffice to produce PDFs the way filings are produced; with "bench", also what the
# benchmarks compare against (sqlite3's FTS5 for the index build). Needs root or sudo on
# Debian/Ubuntu; elsewhere it says what to install and carries on (docketwatch then
# extracts born-digital text only, and says so for scanned pages).
#   scripts/install-deps.sh [test|bench]
set -euo pipefail

need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v tesseract >/dev/null || need+=(tesseract-ocr tesseract-ocr-eng)
if [ "${1:-}" = test ]; then
	command -v chromium >/dev/null || need+=(chromium fonts-dejavu-core)
	# The producers whose PDFs the text engine is tested on.
	command -v gropdf >/dev/null || need+=(groff)
	command -v ps2pdf >/dev/null || need+=(ghostscript)
	command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
fi
if [ "${1:-}" = bench ]; then
	command -v sqlite3 >/dev/null || need+=(sqlite3)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
	echo "install-deps: please install ${need[*]} (not a Debian system)" >&2
	exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "install-deps: installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
