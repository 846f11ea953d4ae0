package ner

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"errors"
	"strings"
)

// The gazetteer lists names of places, organisations and people, and the words of
// people's and companies' names, from openly licensed lists (cmd/build-gazetteer,
// data/ATTRIBUTION.md). data/gazetteer.txt is its readable form: under a "[class]"
// line, the lower-cased words of an entry a line. data/gazetteer.bin, compiled from it
// by CompileGazetteer, is what the binary embeds: the lookup table itself (2 MiB),
// read in place, where building it from the text took 10 ms of each process's first
// recognition.
//
//go:embed data/gazetteer.bin
var gazetteerBin []byte

// The classes of gazetteer.txt.
const (
	GazLoc     = "loc"     // a place: country, subdivision, city, river, mountain
	GazOrg     = "org"     // an organisation
	GazPer     = "per"     // a person
	GazName    = "name"    // a word of a person's name, first or last
	GazCompany = "company" // a word of a company's name
)

// MaxGazWords is the length, in words, of the longest gazetteer entry.
const MaxGazWords = 5

var gazClasses = map[string]uint32{GazLoc: gazLoc, GazOrg: gazOrg, GazPer: gazPer, GazName: gazName, GazCompany: gazCompany}

// gazSlots is the size of the gazetteers' table: its entries, the first names and the
// word classes of lexicon.go (88,876 keys) and the words of the clusters that have no
// class (121,654 keys in all) fill under half of it.
const gazSlots = 1 << 18

const gazMagic = "docketwatch-gazetteer/4\n"

// CompileGazetteer compiles gazetteer.txt, with the word classes of lexicon.go, the
// first names and the word clusters of clusters.txt, into gazetteer.bin: the magic
// line, the table's sum (the first 8 bytes of the SHA-256 of what follows, which a
// model records), then the table's slots, little-endian.
func CompileGazetteer(txt, clusters string) []byte {
	t := newHashTable(gazSlots)
	t.addEntries(txt, 0)
	t.addLexicon()
	t.addClusters(clusters)
	slots := make([]byte, 0, 8*len(t.slots))
	for _, s := range t.slots {
		slots = binary.LittleEndian.AppendUint64(slots, s)
	}
	sum := sha256.Sum256(slots)
	return append(append([]byte(gazMagic), sum[:8]...), slots...)
}

// ClusterBits is the length of a word cluster's path (clusters.txt): its prefixes are
// coarser clusters.
const ClusterBits = 10

// A word's cluster is kept with its classes, above them, so that it costs no look-up
// of its own: clusterShift is where it starts, and clusterSet marks a word that has one.
const (
	clusterShift = 16
	clusterSet   = 1 << ClusterBits
	classMask    = 1<<clusterShift - 1
)

// The classes must stay below the cluster: this fails to compile when they do not.
var _ [clusterShift - numGaz]struct{}

// addClusters adds the clusters of clusters.txt: a path of ClusterBits bits, a tab and
// a lower-cased word a line; lines starting with "#" are comments.
func (t *hashTable) addClusters(txt string) {
	for _, line := range strings.Split(txt, "\n") {
		path, word, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") || len(path) != ClusterBits {
			continue
		}
		var c uint32
		for _, b := range path {
			c = c<<1 | uint32(b-'0')&1
		}
		t.or(hashStr(fnvOffset, word), (c|clusterSet)<<clusterShift)
	}
}

// gazTable is a compiled gazetteer's slots, read in place.
type gazTable []byte

// loadCompiled returns the table of a compiled gazetteer.
func loadCompiled(b []byte) (gazTable, error) {
	if !bytes.HasPrefix(b, []byte(gazMagic)) || len(b) != len(gazMagic)+8+8*gazSlots {
		return nil, errors.New("loading gazetteer: not a compiled gazetteer")
	}
	return gazTable(b[len(gazMagic)+8:]), nil
}

// get returns the classes of the word or words of hash h, as hashTable.get.
func (g gazTable) get(h uint32) uint32 {
	if h == 0 {
		h = 1
	}
	for i := h & (gazSlots - 1); ; i = (i + 1) & (gazSlots - 1) {
		s := binary.LittleEndian.Uint64(g[8*i:])
		switch uint32(s) {
		case h:
			return uint32(s >> 32)
		case 0:
			return 0
		}
	}
}

// addEntries adds a list of entries, one a line, their words apart by one space, of the
// class bit, or of the class a "[class]" line names for the lines after it. It hashes as
// it reads, in one pass: each word's hash is hashStr's, chained over an entry's words.
func (t *hashTable) addEntries(txt string, bit uint32) {
	st, n := uint32(fnvOffset), 0 // the hash so far, the line's bytes so far
	for i := 0; i < len(txt); i++ {
		switch c := txt[i]; {
		case c == '[' && n == 0:
			e := strings.IndexByte(txt[i:], ']')
			if e < 0 {
				return
			}
			bit = gazClasses[txt[i+1:i+e]]
			i += e
		case c == ' ':
			st = hashU32(st, 0xff)
			t.or(st, gazPrefix)
			n++
		case c == '\n' || c == '\r':
			if n > 0 {
				t.or(hashU32(st, 0xff), bit)
			}
			st, n = fnvOffset, 0
		default:
			st = (st ^ uint32(c)) * fnvPrime
			n++
		}
	}
	if n > 0 {
		t.or(hashU32(st, 0xff), bit)
	}
}

// hashTable maps hashes to class bits by open addressing, a slot holding a hash (low
// half) and its bits (high half): CompileGazetteer fills one, and gazTable reads it
// (faster than a map, as every capitalised word of every document is looked up).
type hashTable struct {
	slots []uint64
	mask  uint32
}

func newHashTable(size int) *hashTable {
	return &hashTable{slots: make([]uint64, size), mask: uint32(size - 1)}
}

// or adds bits to h's classes; the table must keep a free slot.
func (t *hashTable) or(h, bits uint32) {
	if h == 0 {
		h = 1
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		switch uint32(t.slots[i]) {
		case h:
			t.slots[i] |= uint64(bits) << 32
			return
		case 0:
			t.slots[i] = uint64(h) | uint64(bits)<<32
			return
		}
	}
}
