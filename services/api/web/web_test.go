package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/docketwatch/docketwatch/pkg/search"
)

func TestMarked(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"the <mark>Inbox</mark> API &amp; more", "the <mark>Inbox</mark> API &amp; more"},
		{"<script>alert(1)</script> <mark>x</mark>", "&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>"},
		{"<mark>open", "<mark>open</mark>"},
		{"close</mark> only", "close only"},
		{`say "hi" &lt;b&gt;`, "say &#34;hi&#34; &lt;b&gt;"},
		{"<mark><mark>nested</mark></mark>", "<mark>nested</mark>"},
	} {
		if got := string(marked(tc.in)); got != tc.want {
			t.Errorf("marked(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestQueryWords(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{`"Inbox API" +Meta -draft`, []string{"Inbox API", "Meta"}},
		{`court:cand AND (text:request OR exhibit*)`, []string{"request"}},
		{`foo NOT -"bar baz" x`, []string{"foo"}},
		{`"unclosed phrase`, []string{"unclosed phrase"}},
	} {
		if got := queryWords(tc.q); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("queryWords(%q) = %q; want %q", tc.q, got, tc.want)
		}
	}
}

func TestMarkText(t *testing.T) {
	re := termsRegexp([]string{"Inbox API", "request", "REQUEST"})
	got := string(markText("An <Inbox\nAPI> request; requests & Request.", re))
	want := "An &lt;<mark>Inbox\nAPI</mark>&gt; <mark>request</mark>; requests &amp; <mark>Request</mark>."
	if got != want {
		t.Errorf("markText = %q; want %q", got, want)
	}
	if got := string(markText("<b>", nil)); got != "&lt;b&gt;" {
		t.Errorf("markText without terms = %q", got)
	}
}

func TestProblemOf(t *testing.T) {
	q := "café AND ("
	p := problemOf(q, &search.QueryError{Message: "unbalanced", Position: len("café AND ")})
	if p == nil || p.Position != 10 || p.At != "(" || p.Before != "café AND " {
		t.Fatalf("problemOf = %+v; want character 10 at (", p)
	}
	p = problemOf(q, &search.QueryError{Message: "ends early", Position: len(q)})
	if p.Position != 11 || p.At != " " || p.After != "" {
		t.Fatalf("problem at the end = %+v", p)
	}
	if p = problemOf(q, &search.QueryError{Message: "no place", Position: -1}); p.Position != 0 || p.Before != "" {
		t.Fatalf("problem without position = %+v", p)
	}
	if problemOf(q, errors.New("index down")) != nil {
		t.Fatal("a service fault is not the researcher's problem")
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(1)": "'=HYPERLINK(1)", "@x": "'@x", "3:21-cv-1": "3:21-cv-1", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestWritesNeedToken: a POST without the form token, or from another site, changes
// nothing and says why; an unknown page is a page, not a blank.
func TestWritesNeedToken(t *testing.T) {
	h := Handler(Deps{})
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
		says   string
	}{
		{"no token", nil, http.StatusForbidden, "did not come from this site"},
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/status/parked/1/retry", strings.NewReader(url.Values{"csrf": {"forged"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: csrfCookie, Value: strings.Repeat("ab", 16)})
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.says) {
				t.Fatalf("got %d %q; want %d saying %q", rec.Code, rec.Body.String(), tc.want, tc.says)
			}
		})
	}
	// The token a page hands out is the one a POST must carry.
	c := newCSRF()
	rec := httptest.NewRecorder()
	get := httptest.NewRequest(http.MethodGet, "/", nil)
	tok := c.token(rec, get)
	post := httptest.NewRequest(http.MethodPost, "/alerts", nil)
	post.AddCookie(rec.Result().Cookies()[0])
	post.PostForm = url.Values{"csrf": {tok}}
	if !c.check(post) {
		t.Fatal("the page's own token was refused")
	}
	post.PostForm = url.Values{"csrf": {newCSRF().sign(rec.Result().Cookies()[0].Value)}}
	if c.check(post) {
		t.Fatal("a token signed by another key was accepted")
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/no/such/page", nil))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "There is no page at /no/such/page") {
		t.Fatalf("unknown page: %d %q", rec.Code, rec.Body.String())
	}
}
