// Package docmeta reads what a researcher cites a court document by — court, case name,
// docket number, entry, title and type — from the document itself: its first pages, its
// file name and its ECF stamp. Each value records where it was read (filing.Origin), so
// that what a source or the user states wins over what is read.
package docmeta
