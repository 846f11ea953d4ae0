package clfake

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, s *Server, url, token string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, resp.Header, body
}

func TestWireShape(t *testing.T) {
	s := New(Config{Courts: []string{"nysd"}, DocumentsPerCourt: 45})
	defer s.Close()
	list := s.APIBase() + "recap-documents/?docket_entry__docket__court=nysd&order_by=date_created&omit=plain_text"

	if code, h, body := get(t, s, list, ""); code != 401 || h.Get("WWW-Authenticate") == "" || body["detail"] != "Authentication credentials were not provided." {
		t.Errorf("anonymous: %d %v", code, body)
	}
	if code, _, body := get(t, s, list+"&court=nysd", s.Token()); code != 400 || body["detail"] != "Unknown filter parameters are not allowed." {
		t.Errorf("unknown filter: %d %v", code, body)
	}
	seen := map[float64]bool{}
	next := list
	for pages := 0; next != ""; pages++ {
		code, _, body := get(t, s, next, s.Token())
		if code != 200 {
			t.Fatalf("page %d: %d %v", pages, code, body)
		}
		if c, ok := body["count"].(string); !ok || !strings.Contains(c, "count=on") {
			t.Errorf("count = %v; want a URL in cursor mode", body["count"])
		}
		for _, r := range body["results"].([]any) {
			m := r.(map[string]any)
			if _, ok := m["plain_text"]; ok {
				t.Error("omit=plain_text not applied")
			}
			seen[m["id"].(float64)] = true
		}
		next, _ = body["next"].(string)
	}
	if len(seen) != 45 {
		t.Errorf("crawled %d distinct documents; want 45", len(seen))
	}
	code, _, body := get(t, s, list+"&count=on", s.Token())
	if code != 200 || body["count"] != float64(45) {
		t.Errorf("count=on: %d %v", code, body)
	}
}
