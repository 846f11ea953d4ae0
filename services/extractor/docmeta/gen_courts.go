//go:build ignore

// gen_courts writes courts.tsv, the part of courts-db (freelawproject/courts-db,
// BSD-2-Clause) that docmeta needs to name a court from its caption: each court's
// CourtListener id, name, citation, type, system and its regexes with courts-db's
// ${variables} substituted, each with the literals every match holds, by their line in
// courts_literals.txt. The literals are worked out here, not at run time: parsing 5,500
// regexes cost every extracting process about 40 ms. They are written once each and
// sorted since sorting and deduplicating 7,000 of them at run time, for the automaton
// that finds them (literals.go), cost about 2 ms. Tab-separated lines, not JSON, for the
// same reason (courts.go reads them).
// Run from this directory, naming a courts-db checkout:
//
//	go run gen_courts.go -db PATH/TO/courts-db
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
)

type court struct {
	ID, Name, Citation, Type, System string
	Ended                            bool
	Patterns                         []pattern
}

// pattern is a regex with the lowercased literals of three letters or more that every
// match of it contains.
type pattern struct {
	Regex    string
	Literals []string
}

func main() {
	db := flag.String("db", "", "courts-db checkout (required): the directory holding courts.json and variables.json")
	flag.Parse()
	if *db == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run gen_courts.go -db PATH/TO/courts-db")
		flag.PrintDefaults()
		os.Exit(2)
	}
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
	skipped := 0
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
			r = strings.TrimSpace(expand(r))
			lits, ok := requiredLiterals(r)
			if !ok {
				skipped++ // a few use Python-only syntax that RE2 cannot run
				continue
			}
			oc.Patterns = append(oc.Patterns, pattern{Regex: r, Literals: lits})
		}
		out = append(out, oc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	write("courts.tsv", "courts_literals.txt", out)
	log.Printf("%d courts, %d regexes RE2 cannot parse left out", len(out), skipped)
}

// write puts one court a line (id, name, citation, type, system, ended as 0 or 1), each
// followed by its patterns, one a line that starts with a tab: the regex, then the
// numbers of its literals, tab-separated. A literal's number is its line, from 0, in
// literalsPath: the distinct literals in byte order, one a line.
func write(path, literalsPath string, courts []court) {
	seen := map[string]bool{}
	var literals []string
	for _, c := range courts {
		for _, p := range c.Patterns {
			for _, l := range p.Literals {
				if !seen[l] {
					seen[l] = true
					literals = append(literals, l)
				}
			}
		}
	}
	sort.Strings(literals)
	number := make(map[string]string, len(literals))
	create(literalsPath, func(w *bufio.Writer) {
		for i, l := range literals {
			line(w, l)
			number[l] = fmt.Sprint(i)
		}
	})
	create(path, func(w *bufio.Writer) {
		for _, c := range courts {
			ended := 0
			if c.Ended {
				ended = 1
			}
			line(w, c.ID, c.Name, c.Citation, c.Type, c.System, fmt.Sprint(ended))
			for _, p := range c.Patterns {
				fields := []string{"", p.Regex}
				for _, l := range p.Literals {
					fields = append(fields, number[l])
				}
				line(w, fields...)
			}
		}
	})
}

func create(path string, write func(*bufio.Writer)) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	write(w)
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func line(w *bufio.Writer, fields ...string) {
	for _, f := range fields {
		if strings.ContainsAny(f, "\t\n") {
			log.Fatalf("field %q holds a tab or a newline", f)
		}
	}
	w.WriteString(strings.Join(fields, "\t") + "\n")
}

// requiredLiterals returns literals of three letters or more that every match of re
// contains, lowercased; none when nothing is certain. Patterns that RE2 cannot parse
// report ok false.
func requiredLiterals(re string) (lits []string, ok bool) {
	t, err := syntax.Parse(re, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil, false
	}
	return required(t.Simplify(), nil), true
}

// required appends the literals every match of t holds: those of a concatenation's
// parts, through the groups and repeats of at least one that wrap them.
func required(t *syntax.Regexp, lits []string) []string {
	switch t.Op {
	case syntax.OpLiteral:
		if len(t.Rune) >= 3 {
			lits = append(lits, strings.ToLower(string(t.Rune)))
		}
	case syntax.OpConcat:
		for _, s := range t.Sub {
			lits = required(s, lits)
		}
	case syntax.OpCapture, syntax.OpPlus:
		lits = required(t.Sub[0], lits)
	case syntax.OpRepeat:
		if t.Min >= 1 {
			lits = required(t.Sub[0], lits)
		}
	}
	return lits
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
