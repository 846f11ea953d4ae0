package pacerrss

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds the RSS parser mutated real feeds: a broken feed is an error, never a
// panic, and every document it does return has an id.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/rss/*.xml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 20<<10 {
			continue
		}
		court := strings.SplitN(filepath.Base(p), "_", 2)[0]
		court = strings.TrimSuffix(court, ".xml")
		f.Add(court, data)
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
