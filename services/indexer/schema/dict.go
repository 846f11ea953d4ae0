package schema

import (
	"iter"

	index "github.com/blevesearch/bleve_index_api"
)

// DictEntries ranges over the entries of a field's term dictionary, in its order; an
// error reading it comes as the last pair (nil, err). It does not close d.
func DictEntries(d index.FieldDict) iter.Seq2[*index.DictEntry, error] {
	return func(yield func(*index.DictEntry, error) bool) {
		for {
			e, err := d.Next()
			if err != nil {
				yield(nil, err)
				return
			}
			if e == nil || !yield(e, nil) {
				return
			}
		}
	}
}
