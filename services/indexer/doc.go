// Package indexer owns the bleve index: it consumes TEXTS in batches, commits each
// document (newer versions only), publishes INDEXED once a batch is visible to search,
// and answers queries for everyone else over NATS. The index's shape (mapping, document,
// query language, snippets) is package schema's.
//
// Request builds the whole bleve request Search runs (sort, cursor, facets, fields).
//
// ReindexJob rebuilds the index from TEXTS into a new version directory while the old
// one serves and the live writer goes on, then swaps it in (reindex.go).
package indexer
