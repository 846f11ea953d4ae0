package pacerrss

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/testfile"
)

// FuzzParse feeds the RSS parser mutated real feeds: a broken feed is an error, never a
// panic, and every document it does return has an id.
func FuzzParse(f *testing.F) {
	for _, seed := range testfile.Glob(f, "testdata/rss/*.xml", 20<<10) {
		court := strings.SplitN(filepath.Base(seed.Path), "_", 2)[0]
		court = strings.TrimSuffix(court, ".xml")
		f.Add(court, seed.Data)
	}
	f.Fuzz(func(t *testing.T, court string, data []byte) {
		feed, err := Parse(court, bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, d := range feed.Documents(time.Unix(0, 0)) {
			if err := d.ID.Validate(); err != nil {
				t.Fatalf("document without a usable id: %+v: %v", d, err)
			}
		}
	})
}
