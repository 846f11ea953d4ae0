package schema

import (
	"errors"
	"slices"
	"testing"

	index "github.com/blevesearch/bleve_index_api"
)

// listDict is a term dictionary over a list, failing with err after it.
type listDict struct {
	terms []string
	err   error
}

func (d *listDict) Next() (*index.DictEntry, error) {
	if len(d.terms) == 0 {
		return nil, d.err
	}
	e := &index.DictEntry{Term: d.terms[0], Count: 1}
	d.terms = d.terms[1:]
	return e, nil
}
func (d *listDict) Close() error      { return nil }
func (d *listDict) Cardinality() int  { return len(d.terms) }
func (d *listDict) BytesRead() uint64 { return 0 }

func TestDictEntries(t *testing.T) {
	broken := errors.New("segment unreadable")
	for _, tc := range []struct {
		name    string
		dict    *listDict
		stopAt  string
		want    []string
		wantErr error
	}{
		{"empty", &listDict{}, "", nil, nil},
		{"all", &listDict{terms: []string{"a", "b", "c"}}, "", []string{"a", "b", "c"}, nil},
		{"stopped early", &listDict{terms: []string{"a", "b", "c"}}, "b", []string{"a", "b"}, nil},
		{"error after two", &listDict{terms: []string{"a", "b"}, err: broken}, "", []string{"a", "b"}, broken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var gotErr error
			for e, err := range DictEntries(tc.dict) {
				if err != nil {
					gotErr = err
					break
				}
				got = append(got, e.Term)
				if e.Term == tc.stopAt {
					break
				}
			}
			if !slices.Equal(got, tc.want) || !errors.Is(gotErr, tc.wantErr) || (tc.wantErr == nil && gotErr != nil) {
				t.Errorf("terms %v, err %v; want %v, %v", got, gotErr, tc.want, tc.wantErr)
			}
		})
	}
}
