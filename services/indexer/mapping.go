// Package indexer owns the bleve index: it consumes TEXTS in batches, commits each
// document (newer versions only), publishes INDEXED once a batch is visible to search,
// and answers queries for everyone else over NATS.
package indexer

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Field names of an indexed document.
const (
	fieldText         = "text"
	fieldCaseName     = "case_name"
	fieldDescription  = "description"
	fieldCourt        = "court"
	fieldDocket       = "docket"
	fieldEntry        = "entry"
	fieldExhibit      = "exhibit"
	fieldExhibitLabel = "exhibit_label"
	fieldSource       = "source"
	fieldFiled        = "filed"
	fieldIndexed      = "indexed"
	fieldPages        = "pages"
	fieldPageStarts   = "page_starts"
	fieldVersion      = "version"
)

// Mapping is the index mapping. Keyword fields hold what is matched exactly (a docket
// number is tokenised on ":" and "-" by the text analyser, STACK.md); the text is stored
// with term vectors so that a hit can name its page and show a snippet.
func Mapping() mapping.IndexMapping {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.IncludeInAll = false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldText, text(true))
	doc.AddFieldMappingsAt(fieldCaseName, text(true))
	doc.AddFieldMappingsAt(fieldDescription, text(true))
	for _, name := range []string{fieldCourt, fieldDocket, fieldExhibitLabel, fieldSource, fieldVersion} {
		doc.AddFieldMappingsAt(name, kw())
	}
	doc.AddFieldMappingsAt(fieldEntry, bleve.NewNumericFieldMapping())
	doc.AddFieldMappingsAt(fieldPages, bleve.NewNumericFieldMapping())
	doc.AddFieldMappingsAt(fieldExhibit, bleve.NewBooleanFieldMapping())
	doc.AddFieldMappingsAt(fieldFiled, bleve.NewDateTimeFieldMapping())
	doc.AddFieldMappingsAt(fieldIndexed, bleve.NewDateTimeFieldMapping())
	doc.AddFieldMappingsAt(fieldPageStarts, stored())

	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = en.AnalyzerName
	m.DefaultField = fieldText
	return m
}
