package indexer

import (
	"testing"

	"github.com/docketwatch/docketwatch/pkg/search"
)

func TestFacetLabel(t *testing.T) {
	tests := []struct{ facet, term, want string }{
		{search.FacetCourt, "ca9", "Court of Appeals for the Ninth Circuit"},
		{search.FacetCourt, "cacd", "United States District Court for the Central District of California"},
		{search.FacetCourt, "nosuchcourt", "nosuchcourt"},
		{search.FacetCourt, "", "unknown"},
		{search.FacetDocType, "order", "order"},
		{search.FacetYear, "2020", "2020"},
	}
	for _, tt := range tests {
		t.Run(tt.facet+"/"+tt.term, func(t *testing.T) {
			if got := facetLabel(tt.facet, tt.term); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}
