package bus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// TestTextFinder: the text an INDEXED message names is found by its TEXTS sequence, and
// by a scan of its court's subject when the sequence is missing or names another text.
func TestTextFinder(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	a, b := filing.NewDocID("nysd", "1:24-cv-00001", 1, 0), filing.NewDocID("nysd", "1:24-cv-00002", 3, 0)
	now := time.Now().UnixNano()
	later := now + int64(48*time.Hour)
	seqOf := map[string]uint64{}
	for _, txt := range []filing.Text{
		{Document: filing.Document{ID: a, Docket: filing.Docket{Court: "nysd"}}, Version: now, Pages: []filing.Page{{Number: 1, Text: "first"}}},
		{Document: filing.Document{ID: b, Docket: filing.Docket{Court: "nysd"}}, Version: now + 1, Pages: []filing.Page{{Number: 1, Text: "other"}}},
		{Document: filing.Document{ID: a, Docket: filing.Docket{Court: "nysd"}}, Version: now + 2, Pages: []filing.Page{{Number: 1, Text: "second"}}},
		// A version two days ahead of the clock: a scan, which starts at most a day
		// before the version, cannot find it; only its sequence can.
		{Document: filing.Document{ID: b, Docket: filing.Docket{Court: "nysd"}}, Version: later, Pages: []filing.Page{{Number: 1, Text: "ahead"}}},
	} {
		txt.Schema = filing.Schema
		key := fmt.Sprint(txt.Document.ID, txt.Version)
		if _, err := bus.Publish(ctx, js, bus.Out{Subject: bus.Subject(bus.Texts, "nysd"), MsgID: key, DocID: txt.Document.ID, Value: txt}); err != nil {
			t.Fatal(err)
		}
		str, err := js.Stream(ctx, bus.Texts)
		if err != nil {
			t.Fatal(err)
		}
		seqOf[key] = str.CachedInfo().State.LastSeq
	}
	f := bus.TextFinder{JS: js}
	tests := []struct {
		name     string
		ix       filing.Indexed
		wantText string
		wantErr  error
	}{
		{"by sequence", filing.Indexed{ID: a, Court: "nysd", Version: now + 2, TextSeq: seqOf[fmt.Sprint(a, now+2)]}, "second", nil},
		{"older version by sequence", filing.Indexed{ID: a, Court: "nysd", Version: now, TextSeq: seqOf[fmt.Sprint(a, now)]}, "first", nil},
		{"no sequence: scan", filing.Indexed{ID: a, Court: "nysd", Version: now}, "first", nil},
		{"another text's sequence: scan", filing.Indexed{ID: a, Court: "nysd", Version: now + 2, TextSeq: seqOf[fmt.Sprint(b, now+1)]}, "second", nil},
		{"a sequence past the end: scan", filing.Indexed{ID: b, Court: "nysd", Version: now + 1, TextSeq: 999}, "other", nil},
		{"only by sequence", filing.Indexed{ID: b, Court: "nysd", Version: later, TextSeq: seqOf[fmt.Sprint(b, later)]}, "ahead", nil},
		{"beyond a scan", filing.Indexed{ID: b, Court: "nysd", Version: later}, "", bus.ErrTextNotFound},
		{"absent version", filing.Indexed{ID: b, Court: "nysd", Version: now + 7, TextSeq: seqOf[fmt.Sprint(b, now+1)]}, "", bus.ErrTextNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.Find(ctx, tt.ix)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v; want %v", err, tt.wantErr)
			}
			if err != nil {
				if !fault.IsPermanent(err) {
					t.Errorf("got transient %v; want a permanent error", err)
				}
				return
			}
			if got.Document.ID != tt.ix.ID || got.Version != tt.ix.Version || got.Pages[0].Text != tt.wantText {
				t.Errorf("got %s version %d %q; want %s version %d %q", got.Document.ID, got.Version, got.Pages[0].Text, tt.ix.ID, tt.ix.Version, tt.wantText)
			}
		})
	}
}
