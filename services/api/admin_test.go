package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/bus/bustest"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/job"
)

// TestAdminRoutes: jobs and DEAD over HTTP, every call behind the token (401 without it,
// 403 with another), on a real JetStream.
func TestAdminRoutes(t *testing.T) {
	js := bustest.Start(t)
	ctx := context.Background()
	srv := serve(t, func(mux *http.ServeMux) {
		AdminRoutes(mux, AdminDeps{JS: js, Token: "tok", JobKinds: []string{"reextract"}})
	})
	do := func(method, path, token, body string) (int, string) {
		t.Helper()
		code, b := send(t, srv, method, path, token, body)
		return code, string(b)
	}

	bustest.Park(t, js, filing.Parked{Schema: 1, Stage: "extractor", ID: "cand/3:20-cv-08570/736/12", Reason: "not a PDF",
		Attempts: 5, Subject: bus.Subject(bus.Filings, "cand"), Data: []byte(`{"schema":1}`), ParkedAt: time.Now().UTC()})
	list, err := bus.ListParked(ctx, js, 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("parked: %v %v", list, err)
	}
	seq := list[0].Seq
	seqPath := "/api/v1/dead/" + itoa(seq)

	for _, tc := range []struct {
		name, method, path, token, body string
		want                            int
	}{
		{"jobs without token", "GET", "/api/v1/jobs", "", "", 401},
		{"jobs wrong token", "GET", "/api/v1/jobs", "nope", "", 403},
		{"start without token", "POST", "/api/v1/jobs", "", `{"kind":"reextract"}`, 401},
		{"start wrong token", "POST", "/api/v1/jobs", "nope", `{"kind":"reextract"}`, 403},
		{"start unknown kind", "POST", "/api/v1/jobs", "tok", `{"kind":"rm-rf"}`, 400},
		{"start unknown field", "POST", "/api/v1/jobs", "tok", `{"kind":"reextract","owner":"me"}`, 400},
		{"start oversized", "POST", "/api/v1/jobs", "tok", `{"kind":"` + strings.Repeat("x", 20<<10) + `"}`, 413},
		{"cancel without token", "POST", "/api/v1/jobs/x/cancel", "", "", 401},
		{"unknown job", "GET", "/api/v1/jobs/reextract-none", "tok", "", 404},
		{"dead without token", "GET", "/api/v1/dead", "", "", 401},
		{"dead one without token", "GET", seqPath, "", "", 401},
		{"retry without token", "POST", seqPath + "/retry", "", "", 401},
		{"retry wrong token", "POST", seqPath + "/retry", "nope", "", 403},
		{"retry bad seq", "POST", "/api/v1/dead/-1/retry", "tok", "", 400},
		{"retry unknown seq", "POST", "/api/v1/dead/999999/retry", "tok", "", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, body := do(tc.method, tc.path, tc.token, tc.body); got != tc.want {
				t.Fatalf("got %d %s; want %d", got, body, tc.want)
			}
		})
	}

	code, body := do("POST", "/api/v1/jobs", "tok", `{"kind":"reextract","selection":{"court":"cand"}}`)
	var j job.Job
	if err := json.Unmarshal([]byte(body), &j); code != 201 || err != nil || j.Kind != "reextract" || j.Selection.Court != "cand" {
		t.Fatalf("start: %d %s", code, body)
	}
	if code, body := do("GET", "/api/v1/jobs", "tok", ""); code != 200 || !strings.Contains(body, j.ID) {
		t.Fatalf("list: %d %s; want the job", code, body)
	}
	if code, body := do("POST", "/api/v1/jobs/"+j.ID+"/cancel", "tok", ""); code != 200 || !strings.Contains(body, `"cancelled"`) {
		t.Fatalf("cancel: %d %s", code, body)
	}

	code, body = do("GET", "/api/v1/dead", "tok", "")
	if code != 200 || !strings.Contains(body, "not a PDF") || strings.Contains(body, `"data"`) && !strings.Contains(body, `"data":null`) {
		t.Fatalf("dead list: %d %s; want the reason without the body", code, body)
	}
	if code, body := do("POST", seqPath+"/retry", "tok", ""); code != 200 {
		t.Fatalf("retry: %d %s", code, body)
	}
	if left, _ := bus.ListParked(ctx, js, 0); len(left) != 0 {
		t.Fatalf("DEAD still holds %+v after the retry", left)
	}
	if code, _ := do("POST", seqPath+"/retry", "tok", ""); code != 404 {
		t.Fatalf("second retry: got %d; want 404", code)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestStartJobMakingSeveral: a request whose kind makes one job per shard answers with
// all of them, and each is recorded.
func TestStartJobMakingSeveral(t *testing.T) {
	js := bustest.Start(t)
	srv := serve(t, func(mux *http.ServeMux) {
		AdminRoutes(mux, AdminDeps{JS: js, Token: "tok", JobKinds: []string{"reindex"},
			CreateJobs: func(ctx context.Context, s *job.Store, kind string, sel job.Selection) ([]*job.Job, error) {
				var jobs []*job.Job
				for _, part := range []string{"-shard-0-of-2", "-shard-1-of-2"} {
					j, err := s.Create(ctx, kind+part, sel)
					if err != nil {
						return nil, err
					}
					jobs = append(jobs, j)
				}
				return jobs, nil
			}})
	})
	resp := request(t, srv, "POST", "/api/v1/jobs", "tok", `{"kind":"reindex","selection":{"court":"cand"}}`)
	var out struct{ Jobs []job.Job }
	if err := json.Unmarshal(resp.Body, &out); err != nil || resp.Status != http.StatusCreated || len(out.Jobs) != 2 {
		t.Fatalf("status %d, %+v, %v; want 201 and two jobs", resp.Status, out, err)
	}
	store, err := job.NewStore(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range out.Jobs {
		got, err := store.Get(context.Background(), j.ID)
		if err != nil || got.Selection.Court != "cand" {
			t.Errorf("job %s: %+v, %v", j.ID, got, err)
		}
	}
	if loc := resp.Header.Get("Location"); loc != "/api/v1/jobs/"+out.Jobs[0].ID {
		t.Errorf("Location %q", loc)
	}
}
