package courtlistener

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/fault"
	"github.com/docketwatch/docketwatch/pkg/poll"
	"github.com/docketwatch/docketwatch/services/fetcher/courtlistener/clfake"
)

func recapClient(t *testing.T, srv *clfake.Server, base string) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: base, StorageURL: srv.StorageBase(), Token: srv.Token(), Budget: &Limits{}, HTTPClient: srv.Client(), Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// recap-query/ answers only what RECAP holds; a purchase moves through CourtListener's
// statuses to successful, after which the document is held; a bad PACER login is refused
// with CourtListener's message; a sealed document fails with its message.
func TestRECAPQueryAndFetch(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 60})
	advance := make(chan struct{})
	srv.SetRECAP(clfake.RECAPConfig{PACERUsername: "u", PACERPassword: "p", Advance: advance})
	c := recapClient(t, srv, srv.APIBase())
	ctx := context.Background()
	var held, missing []clfake.Document
	for _, d := range srv.Documents("nysd") {
		if d.IsAvailable {
			held = append(held, d)
		} else {
			missing = append(missing, d)
		}
	}
	if len(missing) < 2 {
		t.Fatal("the fake has too few unavailable documents")
	}
	hits, err := c.RECAPQuery(ctx, "nysd", []string{held[0].PacerDocID, held[1].PacerDocID, missing[0].PacerDocID})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].FilepathLocal == "" {
		t.Fatalf("recap-query answered %+v; want the 2 held documents with their paths", hits)
	}

	if _, err := c.RequestPDFFetch(ctx, missing[0].ID, PACERCredentials{Username: "u", Password: "wrong"}); !fault.IsPermanent(err) ||
		!strings.Contains(err.Error(), "PacerLoginException: Invalid username/password: Login Failed") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("bad login: %v; want CourtListener's PacerLoginException, permanent, without the password", err)
	}
	if _, err := c.RequestPDFFetch(ctx, held[0].ID, PACERCredentials{Username: "u", Password: "p"}); !strings.Contains(fmt.Sprint(err), "already marked as available") {
		t.Errorf("buying a held document: %v; want CourtListener's refusal", err)
	}

	fr, err := c.RequestPDFFetch(ctx, missing[0].ID, PACERCredentials{Username: "u", Password: "p"})
	if err != nil || fr.Status != FetchEnqueued {
		t.Fatalf("request: %+v, %v; want enqueued", fr, err)
	}
	// The fake moves the request on only when told, after the test saw its status: a
	// status that lasted a fixed time could pass unseen between two polls of a slow run.
	seen := []FetchStatus{fr.Status}
	for step := 0; !fr.Status.Terminal(); step++ {
		if step == 2 {
			t.Fatalf("statuses %v after both steps; want a terminal one", seen)
		}
		select {
		case advance <- struct{}{}:
		case <-time.After(10 * time.Second):
			t.Fatalf("the fake took no step in 10 s (statuses %v)", seen)
		}
		poll.UntilGot(t, 10*time.Second, "the request's status to change", func() (bool, string) {
			if fr, err = c.FetchRequestByID(ctx, fr.ID); err != nil {
				t.Fatal(err)
			}
			return fr.Status != seen[len(seen)-1], fmt.Sprint(fr.Status)
		})
		seen = append(seen, fr.Status)
	}
	if fmt.Sprint(seen) != fmt.Sprint([]FetchStatus{FetchEnqueued, FetchInProgress, FetchSuccessful}) {
		t.Errorf("statuses %v; want enqueued, in progress, successful", seen)
	}
	if d, err := c.RECAPDocument(ctx, missing[0].ID); err != nil || !d.Available() {
		t.Errorf("after the purchase the document is %+v (%v); want available", d, err)
	}
	list, err := c.FetchRequestsSince(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(list) != 1 || list[0].ID != fr.ID {
		t.Errorf("listing requests: %+v, %v; want the one made", list, err)
	}

	srv.SetRECAP(clfake.RECAPConfig{PACERUsername: "u", PACERPassword: "p", Sealed: map[int64]bool{missing[1].ID: true}})
	fr, err = c.RequestPDFFetch(ctx, missing[1].ID, PACERCredentials{Username: "u", Password: "p"})
	if err == nil {
		poll.UntilGot(t, 10*time.Second, "the sealed document's request to end", func() (bool, string) {
			fr, err = c.FetchRequestByID(ctx, fr.ID)
			return err != nil || fr.Status.Terminal(), fmt.Sprint(fr.Status)
		})
	}
	if err != nil || fr.Status != FetchFailed || !strings.Contains(fr.Message, "Unable to get PDF for RECAP Document") {
		t.Errorf("sealed: %+v, %v; want failed with CourtListener's message", fr, err)
	}
}

// PACER credentials never travel over plain HTTP to anything but loopback.
func TestPACERCredentialsRefusedOverPlainHTTP(t *testing.T) {
	srv := clfake.Start(t, clfake.Config{Courts: []string{"nysd"}, DocumentsPerCourt: 10})
	c := recapClient(t, srv, "http://courtlistener.example.org/api/rest/v4/")
	_, err := c.RequestPDFFetch(context.Background(), 1, PACERCredentials{Username: "u", Password: "p"})
	if !fault.IsPermanent(err) || !strings.Contains(err.Error(), "refusing to send PACER credentials over http") || errors.Is(err, ErrFetchUnknown) {
		t.Errorf("plain http: %v; want a permanent refusal before anything is sent", err)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", PACERCredentials{Password: "p4ss"}, PACERCredentials{Password: "p4ss"}, PACERCredentials{Password: "p4ss"}, PACERCredentials{Password: "p4ss"}); strings.Contains(s, "p4ss") {
		t.Errorf("credentials print as %q", s)
	}
}
