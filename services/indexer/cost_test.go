package indexer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/indexer/schema"
)

// TestExpansionLimit: a wildcard that matches more terms than schema.MaxExpansion in the index
// is refused as the researcher's mistake, not run as a disjunction of thousands.
func TestExpansionLimit(t *testing.T) {
	x := openTemp(t)
	var b strings.Builder
	for i := range schema.MaxExpansion + 100 {
		fmt.Fprintf(&b, "zq%05d ", i)
	}
	if err := x.write([]entry{{text: textOf("t:many-words", 1, b.String())}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := x.Search(context.Background(), search.Query{Q: "zq*"})
	if qe, ok := err.(*search.QueryError); !ok || !strings.Contains(qe.Message, "too many words") {
		t.Fatalf("got %v; want a QueryError saying the wildcard matches too many words", err)
	}
	res, err := x.Search(context.Background(), search.Query{Q: "zq0001*"})
	if err != nil || res.Total != 1 {
		t.Fatalf("a narrower wildcard: %v, %v; want the document", res, err)
	}
}
