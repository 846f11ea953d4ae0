package api

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		params  string
		want    search.Query
		wantErr bool
	}{
		{
			params: "q=graph&court=cand,nysd&court=dcd&docket=3:20-cv-08570&exhibits=true&filed_from=2024-04-01&filed_to=2024-04-30" +
				"&entity=organization:Meta+Platforms,+Inc.&entity=Mark+Zuckerberg&doc_type=motion,order&sort=newest" +
				"&facets=court,entity.person&facet_size=5&highlight=false&limit=50&after=abc",
			want: search.Query{
				Q: "graph", Court: []string{"cand", "nysd", "dcd"}, Docket: "3:20-cv-08570", Exhibits: true,
				FiledFrom: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), FiledTo: time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC),
				Entities: []search.EntityFilter{{Type: filing.Organization, Name: "Meta Platforms, Inc."}, {Name: "Mark Zuckerberg"}},
				DocTypes: []string{"motion", "order"}, Sort: "newest", Facets: []string{"court", "entity.person"}, FacetSize: 5,
				NoHighlight: true, Limit: 50, After: "abc",
			},
		},
		{params: "q=x", want: search.Query{Q: "x", Limit: 20, FacetSize: 10}},
		{params: "entity=Note:+a+name+with+a+colon", want: search.Query{Entities: []search.EntityFilter{{Name: "Note: a name with a colon"}}, Limit: 20, FacetSize: 10}},
		{params: "q=x&limit=0", wantErr: true},
		{params: "q=x&exhibits=maybe", wantErr: true},
		{params: "q=x&highlight=perhaps", wantErr: true},
		{params: "q=x&filed_from=04/01/2024", wantErr: true},
		{params: "q=x&filed_from=2024-05-01&filed_to=2024-04-01", wantErr: true},
		{params: "q=x&sort=sideways", wantErr: true},
		{params: "q=x&facets=judge", wantErr: true},
		{params: "q=x&entity=galaxy:x&entity=", want: search.Query{Q: "x", Entities: []search.EntityFilter{{Name: "galaxy:x"}}, Limit: 20, FacetSize: 10}},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.params)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseQuery(v)
		if tt.wantErr {
			if !search.IsQueryError(err) {
				t.Errorf("%s: got %v; want a *search.QueryError", tt.params, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.params, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.params, got, tt.want)
		}
	}
}
