package filing

import (
	"testing"
	"time"
)

func TestMerge(t *testing.T) {
	filed := time.Date(2020, 8, 5, 0, 0, 0, 0, time.UTC)
	read := Document{ID: "sha256:aa", Source: "localdir", Title: "ORDER", Type: TypeOrder,
		Docket: Docket{Court: "ca9", CaseName: "Rivas v. Jennings"}, Entry: Entry{Number: 19},
		Origins: map[string]Origin{FieldCourt: FromCaption, FieldCaseName: FromCaption, FieldEntry: FromStamp, FieldTitle: FromTitleBlock, FieldType: FromTitleBlock},
		Blob:    &BlobRef{SHA256: "aa", Name: "order.pdf"}}
	source := Document{ID: "cl:1", Source: "courtlistener", URL: "https://cl/1",
		Docket: Docket{Court: "ca9", Number: "20-16276", CaseName: "Zepeda Rivas v. Jennings"},
		Entry:  Entry{Number: 19, Filed: filed}, Type: TypeOther}
	tests := []struct {
		name       string
		prev, next Document
		check      func(t *testing.T, got Document)
	}{
		{"the source beats what was read", read, source, func(t *testing.T, got Document) {
			if got.ID != "sha256:aa" || got.Docket.CaseName != "Zepeda Rivas v. Jennings" || got.Docket.Number != "20-16276" || !got.Entry.Filed.Equal(filed) {
				t.Errorf("got %+v; want the first id with the source's metadata", got)
			}
			if got.Type != TypeOrder || got.Title != "ORDER" || got.Origins[FieldType] != FromTitleBlock {
				t.Errorf("got type %q title %q origins %v; want what was read where the source says nothing", got.Type, got.Title, got.Origins)
			}
			if _, ok := got.Origins[FieldCaseName]; ok || got.Source != "courtlistener" || got.Blob == nil {
				t.Errorf("got origins %v source %q blob %v; want the case name the source's, its source, the known blob", got.Origins, got.Source, got.Blob)
			}
		}},
		{"what was read does not replace the source", source, read, func(t *testing.T, got Document) {
			if got.ID != "cl:1" || got.Docket.CaseName != "Zepeda Rivas v. Jennings" || got.Source != "courtlistener" || got.URL != "https://cl/1" {
				t.Errorf("got %+v; want the source's document kept", got)
			}
			if got.Type != TypeOrder {
				t.Errorf("got type %q; want order, which the source did not know", got.Type)
			}
		}},
		{"the user beats the source", Document{ID: "sha256:aa", Docket: Docket{Court: "ca1"}, Origins: map[string]Origin{FieldCourt: FromUser}}, source,
			func(t *testing.T, got Document) {
				if got.Docket.Court != "ca1" || got.Origins[FieldCourt] != FromUser {
					t.Errorf("got court %q (%s); want the user's ca1", got.Docket.Court, got.Origins[FieldCourt])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, Merge(tt.prev, tt.next)) })
	}
}
