package ner

import (
	"cmp"
	_ "embed"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
)

// The gazetteer lists names of places, organisations and people, and the words of
// people's and companies' names, from openly licensed lists (cmd/build-gazetteer,
// data/ATTRIBUTION.md). data/gazetteer.txt is its readable form: under a "[class]"
// line, the lower-cased words of an entry a line. data/gazetteer.bin, compiled from it
// by CompileGazetteer, is what the binary embeds: the entries' hashes and classes in
// the order of their slots, which fill the table in one sequential pass where hashing
// the text took 10 ms of each process's first recognition.
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

// gazSlots is the size of the gazetteers' table: about 110,000 entries fill 42% of it.
const gazSlots = 1 << 18

const gazMagic = "docketwatch-gazetteer/1\n"

// CompileGazetteer compiles gazetteer.txt into gazetteer.bin: the magic line, then
// each entry's hash and classes (two little-endian uint32), in slot order.
func CompileGazetteer(txt string) []byte {
	t := newHashTable(gazSlots)
	t.addEntries(txt, 0)
	var es [][2]uint32
	for _, s := range t.slots {
		if s != 0 {
			es = append(es, [2]uint32{uint32(s), uint32(s >> 32)})
		}
	}
	slices.SortFunc(es, func(a, b [2]uint32) int {
		return cmp.Or(cmp.Compare(a[0]&t.mask, b[0]&t.mask), cmp.Compare(a[0], b[0]))
	})
	b := append(make([]byte, 0, len(gazMagic)+8*len(es)), gazMagic...)
	for _, e := range es {
		b = binary.LittleEndian.AppendUint32(b, e[0])
		b = binary.LittleEndian.AppendUint32(b, e[1])
	}
	return b
}

// addCompiled adds the entries of a compiled gazetteer.
func (t *hashTable) addCompiled(b []byte) error {
	if !strings.HasPrefix(string(b), gazMagic) || (len(b)-len(gazMagic))%8 != 0 {
		return errors.New("loading gazetteer: not a compiled gazetteer")
	}
	for p := b[len(gazMagic):]; len(p) > 0; p = p[8:] {
		t.or(binary.LittleEndian.Uint32(p), binary.LittleEndian.Uint32(p[4:]))
	}
	return nil
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
// half) and its bits (high half): faster to fill and to read than a map, as every
// capitalised word of every document is looked up.
type hashTable struct {
	slots []uint64
	mask  uint32
}

func newHashTable(size int) *hashTable {
	return &hashTable{slots: make([]uint64, size), mask: uint32(size - 1)}
}

func (t *hashTable) get(h uint32) uint32 {
	if h == 0 {
		h = 1 // 0 marks a free slot
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		switch s := t.slots[i]; uint32(s) {
		case h:
			return uint32(s >> 32)
		case 0:
			return 0
		}
	}
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
