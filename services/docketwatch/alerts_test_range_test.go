package main

import (
	"testing"
	"time"
)

func TestAlertsTestRange(t *testing.T) {
	now := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name, since, until string
		days               int
		from, to           string
		wantErr            bool
	}{
		{"last days", "", "", 30, "2026-11-08", "2026-12-07", false},
		{"years back, beyond 366 days", "2009-01-01", "", 30, "2009-01-01", "2026-12-07", false},
		{"closed range", "2015-01-01", "2016-06-30", 30, "2015-01-01", "2016-06-30", false},
		{"reversed", "2016-01-01", "2015-01-01", 30, "", "", true},
		{"bad date", "2016-13-01", "", 30, "", "", true},
		{"no days", "", "", 0, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, err := testRange(tt.since, tt.until, tt.days, now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v; want error %v", err, tt.wantErr)
			}
			if err == nil && (from.Format(time.DateOnly) != tt.from || to.Format(time.DateOnly) != tt.to) {
				t.Errorf("got %s..%s; want %s..%s", from.Format(time.DateOnly), to.Format(time.DateOnly), tt.from, tt.to)
			}
		})
	}
}
