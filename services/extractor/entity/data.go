package entity

import (
	_ "embed"
)

// The reporter abbreviations are embedded so that the binary needs no data files; see
// data/SOURCES.md.
//
//go:embed data/reporters.txt
var reportersTxt string
