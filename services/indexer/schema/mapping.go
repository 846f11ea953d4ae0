// Package schema is the shape of docketwatch's index, in one place for everything that
// must answer exactly as the index does: the mapping (fields and analysers), the bleve
// document of a filing.Text, the query language (ParseQueryString, BuildQuery) and the
// snippets of matches. The indexer writes and searches with it; the alerter, which runs
// saved queries against one new document in a throwaway in-memory index, imports it
// without the indexer's consumer and re-index code:
//
//	idx, _ := bleve.NewUsing("", schema.Mapping(), scorch.Name, scorch.Name, nil)
//	idx.Index(string(text.Document.ID), schema.IndexDocument(text, now))
//	q, err := schema.BuildQuery(rule.Query) // a *search.QueryError when malformed
//	res, _ := idx.Search(bleve.NewSearchRequest(q))
package schema

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

// Field names of an indexed document. A text field has an "_exact" twin indexed from the
// same property without stemming or stop words: quoted phrases run against the twin, so
// that "motions to dismiss" does not match "motion dismissed".
const (
	FieldText             = "text"
	FieldTextExact        = "text_exact"
	FieldCaseName         = "case_name"
	FieldCaseNameExact    = "case_name_exact"
	FieldCaseNameKeyword  = "case"
	FieldDescription      = "description"
	FieldDescriptionExact = "description_exact"
	FieldCourt            = "court"
	FieldDocket           = "docket"
	FieldDocType          = "doc_type"
	FieldEntry            = "entry"
	FieldExhibit          = "exhibit"
	FieldExhibitLabel     = "exhibit_label"
	FieldSource           = "source"
	FieldFiled            = "filed"
	FieldFiledSort        = "filed_sort"
	FieldYear             = "year"
	FieldDated            = "dated"
	UndatedSortKey        = "0000"
	FieldIndexed          = "indexed"
	FieldPages            = "pages"
	FieldPageStarts       = "page_starts"
	FieldPagesJSON        = "pages_json"
	FieldVersion          = "version"
	FieldEntity           = "entity"
	FieldEntityTypePrefix = "entity_"
	FieldDocumentJSON     = "doc_json"
	FieldEntitiesJSON     = "entities_json"
	ExactSuffix           = "_exact"
	AnalyzerExact         = "docketwatch_exact"
	FiledSortLayout       = "2006-01-02T15:04:05.000000000Z"
)

// EntityField is the keyword field holding the canonical names of entities of type t.
func EntityField(t filing.EntityType) string { return FieldEntityTypePrefix + string(t) }

// Mapping is the index mapping. Keyword fields hold what is matched exactly and counted
// in facets (the text analyser would tokenise a docket number on ":" and "-"); the text is stored with term vectors so that a hit can name its page and
// show a snippet. Query-time analysis uses the same analysers, because bleve's match
// queries analyse with the field's mapping.
func Mapping() mapping.IndexMapping {
	// Every field stays out of the _all field: a query names the fields it searches.
	field := func(f *mapping.FieldMapping, store bool) *mapping.FieldMapping {
		f.IncludeInAll, f.Store = false, store
		return f
	}
	text := func(store bool) *mapping.FieldMapping {
		f := field(bleve.NewTextFieldMapping(), store)
		f.Analyzer = en.AnalyzerName
		f.IncludeTermVectors = true
		f.DocValues = false
		return f
	}
	exact := func(name string) *mapping.FieldMapping {
		f := text(false)
		f.Name = name
		f.Analyzer = AnalyzerExact
		return f
	}
	kw := func(name string) *mapping.FieldMapping {
		f := field(bleve.NewKeywordFieldMapping(), true)
		f.Analyzer = keyword.Name
		f.Name = name
		return f
	}
	// stored is kept for the hit, not searched.
	stored := func() *mapping.FieldMapping {
		f := field(bleve.NewTextFieldMapping(), true)
		f.Index = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(FieldText, text(true), exact(FieldTextExact))
	doc.AddFieldMappingsAt(FieldCaseName, text(true), exact(FieldCaseNameExact), kw(FieldCaseNameKeyword))
	doc.AddFieldMappingsAt(FieldDescription, text(true), exact(FieldDescriptionExact))
	for _, name := range []string{FieldCourt, FieldDocket, FieldDocType, FieldExhibitLabel, FieldSource,
		FieldVersion, FieldYear, FieldFiledSort, FieldDated, FieldEntity} {
		doc.AddFieldMappingsAt(name, kw(""))
	}
	for _, t := range search.EntityTypes {
		doc.AddFieldMappingsAt(EntityField(t), kw(""))
	}
	doc.AddFieldMappingsAt(FieldEntry, field(bleve.NewNumericFieldMapping(), true))
	doc.AddFieldMappingsAt(FieldPages, field(bleve.NewNumericFieldMapping(), true))
	doc.AddFieldMappingsAt(FieldExhibit, field(bleve.NewBooleanFieldMapping(), true))
	for _, name := range []string{FieldFiled, FieldIndexed} {
		doc.AddFieldMappingsAt(name, field(bleve.NewDateTimeFieldMapping(), true))
	}
	for _, name := range []string{FieldPageStarts, FieldPagesJSON, FieldDocumentJSON, FieldEntitiesJSON} {
		doc.AddFieldMappingsAt(name, stored())
	}

	m := bleve.NewIndexMapping()
	err := m.AddCustomAnalyzer(AnalyzerExact, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	})
	if err != nil {
		panic(fmt.Sprintf("indexer: registering the exact analyser: %v", err)) // a programming error
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = en.AnalyzerName
	m.DefaultField = FieldText
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// DocType is the doc_type of a document: its filing.Type, which the extractor reads
// (docmeta), or "other" for a document indexed before it was read.
func DocType(d filing.Document) string {
	if d.Type == "" {
		return string(filing.TypeOther)
	}
	return string(d.Type)
}
