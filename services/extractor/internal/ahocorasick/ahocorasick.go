// Package ahocorasick finds which of a fixed set of strings occur in a text in one pass
// over the text's bytes, with Aho and Corasick's automaton: the trie of the strings, where
// each node also links to the node of its longest proper suffix in the trie (its fail
// link), so that a byte no child takes moves to that suffix instead of starting again.
package ahocorasick

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unsafe"
)

// Automaton is built once by New and is safe for concurrent use.
//
// The nodes are numbered breadth first, so a node's children are consecutive and sorted
// by the byte on their edge: one array of small nodes instead of a table of 256 next
// nodes per node, which for docmeta's 5,100 court-name literals would take 20 MB and
// much longer to build. A node's links are kept together since the build and the scan
// read them together.
//
// The trie holds only a string's first keyLen bytes (its key); the rest is compared where
// the key ends. Past their first 16 bytes most of those literals run on alone: their
// tails were 55,000 of 76,500 nodes (1.5 MB), and 1.4 ms of the courts table's 3.9 ms
// build; comparing them costs about 0.8 µs more a caption line (3.4 µs instead of 2.6).
type Automaton struct {
	root   [256]int32 // the root's child for each byte; 0 (the root) for none
	nodes  []node
	keyLen int
	strs   []string
	order  []int32 // indices into strs, sorted by string
	keys   []span  // runs of order whose strings share a key
}

type node struct {
	first int32 // the first child
	fail  int32 // the node of the longest proper suffix of this node's string in the trie
	key   int32 // the index in keys of the strings whose key ends here, or -1
	// more is the next node on the fail chain where a key ends, or 0: the keys found
	// here are key and those of the chain.
	more  int32
	kids  uint16 // the number of children
	label byte   // the byte on the edge into the node
}

type span struct{ lo, hi int32 }

// defaultKeyLen is the length of the keys New makes. Shorter keys cut the nodes further
// but share them among more strings to compare: docmeta's longest run is 187 literals
// at 16 bytes ("united states di…"), 404 at 12.
const defaultKeyLen = 16

// New builds the automaton of strs, which it keeps; AppendFound reports a string by its
// index in strs. The strings must be non-empty and distinct.
func New(strs []string) (*Automaton, error) { return build(strs, defaultKeyLen) }

func build(strs []string, keyLen int) (*Automaton, error) {
	if len(strs) >= math.MaxInt32 {
		return nil, fmt.Errorf("ahocorasick: %d strings, more than %d", len(strs), math.MaxInt32-1)
	}
	a := &Automaton{keyLen: keyLen, strs: strs, order: make([]int32, len(strs))}
	for i := range a.order {
		a.order[i] = int32(i)
	}
	slices.SortFunc(a.order, func(i, j int32) int { return strings.Compare(strs[i], strs[j]) })
	// In sorted order, each key adds the nodes past its common prefix with the one before.
	nodes, prev, prevKey := 1, "", ""
	for _, i := range a.order {
		s := strs[i]
		switch {
		case s == "":
			return nil, errors.New("ahocorasick: an empty string")
		case s == prev:
			return nil, fmt.Errorf("ahocorasick: %q given twice", s)
		}
		key := s[:min(len(s), keyLen)]
		nodes += len(key) - commonPrefix(prevKey, key)
		if nodes >= math.MaxInt32 {
			return nil, fmt.Errorf("ahocorasick: more than %d nodes", math.MaxInt32-1)
		}
		prev, prevKey = s, key
	}
	a.nodes = make([]node, nodes)
	a.keys = make([]span, 0, len(strs))
	// The nodes are made a level at a time, each level's numbered after the one before.
	// A node's span is the run of order whose keys start with its string and are longer;
	// a level has at most a node a string.
	level := append(make([]span, 0, len(strs)), span{0, int32(len(a.order))})
	next := make([]span, 0, len(strs))
	a.nodes[0].key = -1
	n, c := int32(0), int32(1) // the node whose children are made; the next new node
	for depth := 0; len(level) > 0; depth++ {
		for _, sp := range level {
			a.nodes[n].first = c
			for lo := sp.lo; lo < sp.hi; c++ {
				b := strs[a.order[lo]][depth]
				hi := lo + 1
				for hi < sp.hi && strs[a.order[hi]][depth] == b {
					hi++
				}
				k := node{label: b, key: -1}
				switch {
				case depth+1 == keyLen: // the key of all the run
					k.key = int32(len(a.keys))
					a.keys = append(a.keys, span{lo, hi})
					lo = hi
				case len(strs[a.order[lo]]) == depth+1: // sorted first, a prefix of the rest
					k.key = int32(len(a.keys))
					a.keys = append(a.keys, span{lo, lo + 1})
					lo++
				}
				next = append(next, span{lo, hi})
				// Every node less deep than c exists, with its links: c's fail node is
				// the child by b of the nearest node on n's fail chain that has one.
				if n == 0 {
					a.root[b] = c
				} else {
					k.fail = a.step(a.nodes[n].fail, b)
				}
				if f := &a.nodes[k.fail]; f.key >= 0 {
					k.more = k.fail
				} else {
					k.more = f.more
				}
				a.nodes[c] = k
				a.nodes[n].kids++
				lo = hi
			}
			n++
		}
		level, next = next, level[:0]
	}
	return a, nil
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// step is the node after n on byte b: n's child by b, or else that of the nearest node
// on n's fail chain that has one, or the root.
func (a *Automaton) step(n int32, b byte) int32 {
	for n != 0 {
		k := &a.nodes[n]
		for c, end := k.first, k.first+int32(k.kids); c < end; c++ {
			if l := a.nodes[c].label; l == b {
				return c
			} else if l > b {
				break
			}
		}
		n = k.fail
	}
	return a.root[b]
}

// AppendFound appends to dst the index of each string that occurs in text, once for
// every place it ends at.
func (a *Automaton) AppendFound(dst []int32, text string) []int32 {
	n := int32(0)
	for i := 0; i < len(text); i++ {
		n = a.step(n, text[i])
		m := n
		if a.nodes[m].key < 0 {
			m = a.nodes[m].more
		}
		for ; m != 0; m = a.nodes[m].more {
			// The strings of a key cut short go on past it; the others are the key.
			sp := a.keys[a.nodes[m].key]
			for _, s := range a.order[sp.lo:sp.hi] {
				if len(a.strs[s]) <= a.keyLen || strings.HasPrefix(text[i+1-a.keyLen:], a.strs[s]) {
					dst = append(dst, s)
				}
			}
		}
	}
	return dst
}

// Size is the bytes the automaton holds, besides the strings New was given.
func (a *Automaton) Size() int {
	return int(unsafe.Sizeof(*a)) + len(a.nodes)*int(unsafe.Sizeof(node{})) +
		len(a.order)*4 + len(a.keys)*int(unsafe.Sizeof(span{}))
}
