//go:build ignore

// gen_courts writes courts.json.gz, the part of courts-db (freelawproject/courts-db,
// BSD-2-Clause) that docmeta needs to name a court from its caption: each court's
// CourtListener id, name, citation, type, system and its regexes with courts-db's
// ${variables} substituted. Run from this directory:
//
//	go run gen_courts.go -db ../../../../shared/data/courts-db
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

type court struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Citation string   `json:"citation,omitempty"`
	Type     string   `json:"type,omitempty"`
	System   string   `json:"system,omitempty"`
	Ended    bool     `json:"ended,omitempty"`
	Regex    []string `json:"regex"`
}

func main() {
	db := flag.String("db", "../../../../shared/data/courts-db", "courts-db checkout")
	flag.Parse()
	var raw []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Citation string `json:"citation_string"`
		Type     string `json:"type"`
		System   string `json:"system"`
		Dates    []struct {
			End *string `json:"end"`
		} `json:"dates"`
		Regex []string `json:"regex"`
	}
	var vars map[string]string
	read(filepath.Join(*db, "courts.json"), &raw)
	read(filepath.Join(*db, "variables.json"), &vars)
	// Variables refer to other variables; substitute until nothing changes.
	ref := regexp.MustCompile(`\$\{(\w+)\}`)
	expand := func(s string) string {
		for range 10 {
			t := ref.ReplaceAllStringFunc(s, func(m string) string { return vars[m[2:len(m)-1]] })
			if t == s {
				break
			}
			s = t
		}
		return s
	}
	var out []court
	for _, c := range raw {
		if len(c.Regex) == 0 {
			continue
		}
		ended := len(c.Dates) > 0
		for _, d := range c.Dates {
			if d.End == nil {
				ended = false
			}
		}
		oc := court{ID: c.ID, Name: c.Name, Citation: c.Citation, Type: c.Type, System: c.System, Ended: ended}
		for _, r := range c.Regex {
			oc.Regex = append(oc.Regex, strings.TrimSpace(expand(r)))
		}
		out = append(out, oc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	f, err := os.Create("courts.json.gz")
	if err != nil {
		log.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(out); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d courts", len(out))
}

func read(path string, v any) {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
}
