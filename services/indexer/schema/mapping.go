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
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema/wordseg"
)

// Field names of an indexed document. A text field has an "_exact" twin indexed from the
// same property without stemming or stop words: quoted phrases run against the twin, so
// that "motions to dismiss" does not match "motion dismissed".
const (
	FieldText             = "text"
	FieldTextExact        = "text_exact"
	FieldCaseName         = "case_name"
	FieldCaseNameExact    = "case_name_exact"
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
	AnalyzerText          = "docketwatch_en"
	AnalyzerExact         = "docketwatch_exact"
	FiledSortLayout       = "2006-01-02T15:04:05.000000000Z"
)

// The two text analysers tokenise with wordseg, which gives exactly the tokens of
// bleve's "unicode" tokenizer, faster (see its package comment):
//
//   - AnalyzerText is bleve's "en" analyser (en.AnalyzerConstructor) with that
//     tokenizer: the same filters in the same order, possessive_en, to_lower, stop_en and
//     stemmer_porter. It is registered in bleve's registry, not only in Mapping(): the
//     query parser names it (textTerm), and a query runs against the mapping an index
//     stored when it was built, which for an index built before it existed does not
//     define it.
//   - AnalyzerExact is that tokenizer and to_lower only, defined in Mapping().
//
// An index built before keeps its stored mapping ("en", and AnalyzerExact over "unicode",
// which bleve still registers) and keeps working: its words and the queries' are the same.
func init() {
	err := registry.RegisterAnalyzer(AnalyzerText, func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		tokenizer, err := cache.TokenizerNamed(wordseg.Name)
		if err != nil {
			return nil, err
		}
		a := &analysis.DefaultAnalyzer{Tokenizer: tokenizer}
		for _, name := range []string{en.PossessiveName, lowercase.Name, en.StopName, porter.Name} {
			f, err := cache.TokenFilterNamed(name)
			if err != nil {
				return nil, err
			}
			a.TokenFilters = append(a.TokenFilters, f)
		}
		return a, nil
	})
	if err != nil {
		panic(fmt.Sprintf("schema: registering the text analyser: %v", err)) // a programming error
	}
}

// EntityField is the keyword field holding the canonical names of entities of type t.
func EntityField(t filing.EntityType) string { return FieldEntityTypePrefix + string(t) }

// Mapping is the index mapping. Keyword fields hold what is matched exactly and counted
// in facets (the text analyser would tokenise a docket number on ":" and "-"); the text
// is stored with term vectors so that a hit can name its page and show a snippet, and
// the "_exact" twins keep them for the positions phrases need. Query-time analysis uses
// the same analysers, because bleve's match queries analyse with the field's mapping.
//
// Each field keeps only what search reads of it: a field is stored when a hit or a
// record reads it back (search.go, index.go), has doc values when hits are sorted or
// facets counted on it, and no keyword, number or date has term vectors (only text is
// highlighted). bleve's "_all" field is disabled: every field is searched by name. Nothing
// is built that nothing reads, but it did not shorten a build (the old mapping and this one
// built 2,000 documents in the same CPU time within 5%): the text fields are the cost,
// the "_exact" twins about 40% of it.
func Mapping() mapping.IndexMapping {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = AnalyzerText
		f.Store = store
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	exact := func(name string) *mapping.FieldMapping {
		f := text(false)
		f.Name = name
		f.Analyzer = AnalyzerExact
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(FieldText, text(true), exact(FieldTextExact))
	doc.AddFieldMappingsAt(FieldCaseName, text(true), exact(FieldCaseNameExact))
	doc.AddFieldMappingsAt(FieldDescription, text(true), exact(FieldDescriptionExact))
	for _, f := range []struct {
		name                string
		indexed, store, dvs bool
	}{
		{FieldCourt, true, true, true},
		{FieldDocType, true, true, true},
		{FieldDocket, true, true, false},
		{FieldExhibitLabel, true, true, false},
		{FieldSource, true, true, false},
		{FieldVersion, true, true, false},
		{FieldYear, true, false, true},
		{FieldFiledSort, true, false, true},
		{FieldDated, true, false, true},
		{FieldEntity, true, false, false},
	} {
		doc.AddFieldMappingsAt(f.name, only(bleve.NewKeywordFieldMapping(), f.indexed, f.store, f.dvs))
	}
	for _, t := range search.EntityTypes {
		doc.AddFieldMappingsAt(EntityField(t), only(bleve.NewKeywordFieldMapping(), true, false, true))
	}
	doc.AddFieldMappingsAt(FieldEntry, only(bleve.NewNumericFieldMapping(), true, true, false))
	doc.AddFieldMappingsAt(FieldPages, only(bleve.NewNumericFieldMapping(), true, true, false))
	doc.AddFieldMappingsAt(FieldExhibit, only(bleve.NewBooleanFieldMapping(), true, true, false))
	doc.AddFieldMappingsAt(FieldFiled, only(bleve.NewDateTimeFieldMapping(), true, true, false))
	doc.AddFieldMappingsAt(FieldIndexed, only(bleve.NewDateTimeFieldMapping(), true, true, false))
	for _, name := range []string{FieldPageStarts, FieldPagesJSON, FieldDocumentJSON, FieldEntitiesJSON} {
		doc.AddFieldMappingsAt(name, only(bleve.NewTextFieldMapping(), false, true, false))
	}
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())

	m := bleve.NewIndexMapping()
	err := m.AddCustomAnalyzer(AnalyzerExact, map[string]any{
		"type":          custom.Name,
		"tokenizer":     wordseg.Name,
		"token_filters": []string{lowercase.Name},
	})
	if err != nil {
		panic(fmt.Sprintf("schema: registering the exact analyser: %v", err)) // a programming error
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = AnalyzerText
	m.DefaultField = FieldText
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// only is f indexed (searchable) or not, stored or not, with doc values or not, and with
// neither term vectors nor a place in "_all".
func only(f *mapping.FieldMapping, indexed, store, docValues bool) *mapping.FieldMapping {
	f.Index, f.Store, f.DocValues = indexed, store, docValues
	f.IncludeTermVectors, f.IncludeInAll = false, false
	if f.Type == "text" {
		f.Analyzer = keyword.Name
	}
	return f
}

// DocType is the doc_type of a document: its filing.Type, which the extractor reads
// (docmeta), or "other" for a document indexed before it was read.
func DocType(d filing.Document) string {
	if d.Type == "" {
		return string(filing.TypeOther)
	}
	return string(d.Type)
}
