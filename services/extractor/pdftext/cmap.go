package pdftext

import (
	"sort"
	"unicode/utf16"
)

// maxRangeSpan bounds one bfrange/cidrange; a 4-byte range spanning 2^32 codes is
// legal syntax but never meaningful, and would make lookups by offset overflow.
const maxRangeSpan = 1 << 20

// codeRange is one codespace range: codes of n bytes between lo and hi.
type codeRange struct {
	n      int
	lo, hi uint32
}

// uniRange maps a run of codes to text: either consecutive values from base, or one
// string per code from list.
type uniRange struct {
	n      int
	lo, hi uint32
	base   []byte // UTF-16BE of the first code's text; later codes add their offset
	list   []string
}

// cidRange maps a run of codes to consecutive CIDs.
type cidRange struct {
	n      int
	lo, hi uint32
	cid    uint32
}

// cmap is a parsed CMap: a ToUnicode map (code → text) or an encoding CMap
// (code → CID). Unlike ledongthuc/pdf's, a bfrange offset carries across bytes, which is
// what fixes the control characters that fpdf/tcpdf/dompdf fonts came out as.
type cmap struct {
	space     []codeRange
	chars     map[uint64]string
	ranges    []uniRange
	cidChars  map[uint64]uint32
	cidRanges []cidRange
}

func codeKey(n int, code uint32) uint64 { return uint64(n)<<32 | uint64(code) }

func bytesToCode(s string) uint32 {
	var c uint32
	for i := 0; i < len(s) && i < 4; i++ {
		c = c<<8 | uint32(s[i])
	}
	return c
}

// parseCMap reads a CMap program. It ignores what it does not understand and never
// fails: a broken map yields fewer mappings, and glyphs fall back to the font encoding.
func parseCMap(data []byte) *cmap {
	m := &cmap{chars: map[uint64]string{}, cidChars: map[uint64]uint32{}}
	l := lexer{b: data}
	var stk []operand
	for {
		v, op, eof, err := l.next()
		if eof {
			break
		}
		if err != nil {
			stk = stk[:0]
			continue
		}
		if len(op) == 0 {
			if len(stk) < maxOperands {
				stk = append(stk, v)
			}
			continue
		}
		switch string(op) {
		case "endcodespacerange":
			for i := 0; i+1 < len(stk); i += 2 {
				lo, hi := stk[i].str, stk[i+1].str
				if stk[i].k != kStr || len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) {
					continue
				}
				m.space = append(m.space, codeRange{len(lo), bytesToCode(lo), bytesToCode(hi)})
			}
		case "endbfchar":
			for i := 0; i+1 < len(stk); i += 2 {
				src, dst := stk[i], stk[i+1]
				if src.k != kStr || len(src.str) == 0 || len(src.str) > 4 {
					continue
				}
				var text string
				switch dst.k {
				case kStr:
					text = utf16Text([]byte(dst.str))
				case kName:
					if r := glyphRune(dst.str); r != 0 {
						text = string(r)
					}
				}
				m.chars[codeKey(len(src.str), bytesToCode(src.str))] = text
			}
		case "endbfrange":
			for i := 0; i+2 < len(stk); i += 3 {
				lo, hi, dst := stk[i], stk[i+1], stk[i+2]
				if lo.k != kStr || hi.k != kStr || len(lo.str) == 0 || len(lo.str) > 4 || len(lo.str) != len(hi.str) {
					continue
				}
				r := uniRange{n: len(lo.str), lo: bytesToCode(lo.str), hi: bytesToCode(hi.str)}
				if r.hi < r.lo || r.hi-r.lo > maxRangeSpan {
					continue
				}
				switch dst.k {
				case kStr:
					r.base = []byte(dst.str)
				case kArray:
					for _, e := range dst.arr {
						r.list = append(r.list, utf16Text([]byte(e.str)))
					}
				default:
					continue
				}
				m.ranges = append(m.ranges, r)
			}
		case "endcidchar":
			for i := 0; i+1 < len(stk); i += 2 {
				if stk[i].k == kStr && len(stk[i].str) > 0 && len(stk[i].str) <= 4 && stk[i+1].k == kNum {
					m.cidChars[codeKey(len(stk[i].str), bytesToCode(stk[i].str))] = uint32(stk[i+1].num)
				}
			}
		case "endcidrange":
			for i := 0; i+2 < len(stk); i += 3 {
				lo, hi, cid := stk[i], stk[i+1], stk[i+2]
				if lo.k != kStr || hi.k != kStr || cid.k != kNum || len(lo.str) == 0 || len(lo.str) > 4 || len(lo.str) != len(hi.str) {
					continue
				}
				r := cidRange{n: len(lo.str), lo: bytesToCode(lo.str), hi: bytesToCode(hi.str), cid: uint32(cid.num)}
				if r.hi >= r.lo && r.hi-r.lo <= maxRangeSpan {
					m.cidRanges = append(m.cidRanges, r)
				}
			}
		}
		stk = stk[:0]
	}
	// Later ranges win in lookups by searching from the end; sorting would lose that, so
	// only the codespace is sorted (shortest codes first, as the spec matches them).
	sort.SliceStable(m.space, func(i, j int) bool { return m.space[i].n < m.space[j].n })
	return m
}

// lookup returns the text a code maps to.
func (m *cmap) lookup(n int, code uint32) (string, bool) {
	if s, ok := m.chars[codeKey(n, code)]; ok {
		return s, true
	}
	for i := len(m.ranges) - 1; i >= 0; i-- {
		r := &m.ranges[i]
		if r.n != n || code < r.lo || code > r.hi {
			continue
		}
		off := code - r.lo
		if r.list != nil {
			if int(off) < len(r.list) {
				return r.list[off], true
			}
			return "", false
		}
		return utf16Text(addOffset(r.base, off)), true
	}
	return "", false
}

// cid returns the CID an encoding CMap assigns to a code.
func (m *cmap) cid(n int, code uint32) (uint32, bool) {
	if c, ok := m.cidChars[codeKey(n, code)]; ok {
		return c, true
	}
	for i := len(m.cidRanges) - 1; i >= 0; i-- {
		r := &m.cidRanges[i]
		if r.n == n && code >= r.lo && code <= r.hi {
			return r.cid + code - r.lo, true
		}
	}
	return 0, false
}

// addOffset adds off to the big-endian number in b, carrying across bytes (the
// library's version only changed the last byte, wrapping within 256 codes).
func addOffset(b []byte, off uint32) []byte {
	if off == 0 {
		return b
	}
	out := make([]byte, len(b))
	copy(out, b)
	carry := uint64(off)
	for i := len(out) - 1; i >= 0 && carry > 0; i-- {
		s := uint64(out[i]) + carry
		out[i] = byte(s)
		carry = s >> 8
	}
	return out
}

// utf16Text decodes UTF-16BE; an odd single byte is read as Latin-1, which some
// producers write in bfchar destinations.
func utf16Text(b []byte) string {
	if len(b) == 1 {
		return string(rune(b[0]))
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}
