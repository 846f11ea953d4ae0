package ahocorasick

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// found is what AppendFound must report: for each place in text, the strings that end
// there, by index.
func found(strs []string, text string) []int32 {
	var ids []int32
	for end := 1; end <= len(text); end++ {
		for i, s := range strs {
			if strings.HasSuffix(text[:end], s) {
				ids = append(ids, int32(i))
			}
		}
	}
	return ids
}

// check compares the automaton with found, for New's keys and for keys short enough
// that the strings go on past them.
func check(t *testing.T, strs []string, text string) {
	t.Helper()
	want := found(strs, text)
	slices.Sort(want) // the order within one place is not part of the contract
	for _, keyLen := range []int{defaultKeyLen, 1, 2, 3} {
		a, err := build(strs, keyLen)
		if err != nil {
			t.Fatal(err)
		}
		got := a.AppendFound(nil, text)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("strings %q in %q, keys of %d bytes: found %v; want %v", strs, text, keyLen, got, want)
		}
	}
}

func TestAppendFound(t *testing.T) {
	for _, tt := range []struct {
		strs []string
		text string
	}{
		{[]string{"he", "she", "his", "hers"}, "ushers"},
		{[]string{"a", "ab", "bab", "bc", "bca", "c", "caa"}, "abccab"},
		{[]string{"court", " court ", "district court", "dist"}, "united states district court for the district of kansas"},
		{[]string{"united states district court for the district of kansas", "united states district court for the district of kentucky", "united states district court"},
			"the united states district court for the district of kansas and the united states district court for the district of ken"},
		{[]string{"aaa", "aa", "a"}, "aaaaa"},
		{[]string{"abc"}, ""},
		{nil, "anything"},
		{[]string{"é", "\xff\x00"}, "café \xff\x00\xff"},
	} {
		check(t, tt.strs, tt.text)
	}
}

// TestAppendFoundRandom compares the automaton with a search per string on strings over
// a small alphabet, where suffixes of one string often start another (the fail links'
// case).
func TestAppendFoundRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abc"[r.IntN(3)]
		}
		return string(b)
	}
	for range 500 {
		seen := map[string]bool{}
		var strs []string
		for range r.IntN(12) {
			if s := word(1 + r.IntN(5)); !seen[s] {
				seen[s] = true
				strs = append(strs, s)
			}
		}
		check(t, strs, word(r.IntN(40)))
	}
}

func TestNewRejects(t *testing.T) {
	for _, strs := range [][]string{{"court", ""}, {"court", "dist", "court"}} {
		if _, err := New(strs); err == nil {
			t.Errorf("New(%q): no error", strs)
		}
	}
}
