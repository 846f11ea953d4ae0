package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/services/fetcher/recap"
)

// The status page shows the PACER spend and the caps to everyone, and which documents
// were bought (and why a purchase failed) only to signed-in readers.
func TestStatusShowsSpendAndPurchasesOnlyWithSession(t *testing.T) {
	js := bustest.Start(t)
	const bought, failed, planned = "nysd/1:26-cv-00042/12/3", "nysd/1:26-cv-00042/12/4", "nysd/1:26-cv-00042/13/1"
	rep := recap.SpendReport{
		Buying: true, MonthCents: 430, TodayCents: 130, Caps: recap.Caps{Day: 500, Month: 2000},
		States: map[recap.State]int{recap.StateSucceeded: 2, recap.StateFailed: 1},
		Recent: []recap.Purchase{
			{Doc: bought, Pages: 13, Cents: 130, State: recap.StateSucceeded, ReservedAt: time.Now()},
			{Doc: failed, Pages: 4, Cents: 40, State: recap.StateFailed, Reason: "Unable to get PDF for RECAP Document", ReservedAt: time.Now()},
		},
		Planned:      []recap.Planned{{Doc: planned, Court: "nysd", Cents: 300, Reason: "docket nysd/1:26-cv-00042"}},
		PlannedCount: 1, PlannedCents: 300,
	}
	spend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = json.NewEncoder(w).Encode(rep) })
	h := Handler(Deps{Searcher: hostileIndex{}, JS: js, Token: "tok", Spend: spend})

	public := get(t, h, "/status").Body.String()
	for _, want := range []string{"PACER spend", "$4.30", "$20.00", "$1.30", "$5.00", "2 succeeded", "1 failed", "would buy 1 document now, estimated at up to <strong>$3.00"} {
		if !strings.Contains(public, want) {
			t.Errorf("the public status page lacks %q", want)
		}
	}
	for _, private := range []string{bought, failed, planned, "Unable to get PDF"} {
		if strings.Contains(public, private) {
			t.Errorf("the public status page shows %q", private)
		}
	}
	signedIn := get(t, h, "/status", signIn(t, h, "tok")).Body.String()
	for _, want := range []string{bought, failed, planned, "Unable to get PDF", "$1.30"} {
		if !strings.Contains(signedIn, want) {
			t.Errorf("the signed-in status page lacks %q", want)
		}
	}
}
