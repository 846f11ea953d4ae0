package pdftext

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Bounds on content-stream syntax. They are far above what real producers write and
// stop hostile streams (deep arrays, endless operand lists) with an error.
const (
	maxNesting   = 32
	maxOperands  = 4096
	maxArrayElem = 1 << 16
)

var errSyntax = errors.New("content stream syntax")

// kind is the type of an operand in a content stream.
type kind uint8

const (
	kNull kind = iota
	kNum
	kStr
	kName
	kArray
	kDict
	kBool
)

// operand is one value pushed before an operator. Strings hold raw bytes, names are
// without the slash. Dictionaries are parsed but only their keys/values kept flat,
// since content streams use them only in marked content and inline images.
type operand struct {
	k   kind
	num float64
	str string
	arr []operand
}

// lexer reads tokens from a decoded content stream (or a CMap, which shares the syntax).
// The elements of the arrays it returns live in a buffer it reuses once the caller asks
// for the token after an operator: operands are valid until then, and the operator it
// returns aliases the stream.
type lexer struct {
	b       []byte
	pos     int
	elems   []operand // elements of the arrays read since the last operator
	open    []operand // elements of the arrays being read, innermost last
	afterOp bool
}

// byteClass says which bytes are whitespace and which delimiters, for the lexer's
// inner loops.
var byteClass = func() (t [256]uint8) {
	for _, c := range []byte(" \n\r\t\f\x00") {
		t[c] = classWhite
	}
	for _, c := range []byte("()<>[]{}/%") {
		t[c] = classDelim
	}
	return t
}()

const (
	classWhite = 1 << iota
	classDelim
)

func isWhite(c byte) bool { return byteClass[c]&classWhite != 0 }

func isDelim(c byte) bool { return byteClass[c]&classDelim != 0 }

// isRegular reports whether c belongs to a name or keyword.
func isRegular(c byte) bool { return byteClass[c] == 0 }

func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isWhite(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// next reads either an operand (op empty) or an operator keyword. At the end of the
// stream it returns eof = true.
func (l *lexer) next() (v operand, op []byte, eof bool, err error) {
	if l.afterOp {
		l.elems, l.afterOp = l.elems[:0], false
	}
	v, op, eof, err = l.token()
	l.afterOp = len(op) > 0
	return v, op, eof, err
}

func (l *lexer) token() (v operand, op []byte, eof bool, err error) {
	var c byte
	for {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return operand{}, nil, true, nil
		}
		c = l.b[l.pos]
		if c != ']' && c != '>' && c != ')' && c != '{' && c != '}' {
			break
		}
		l.pos++ // a stray delimiter is skipped, as viewers do
	}
	if c == '/' || c == '(' || c == '<' || c == '[' || c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') {
		v, err = l.value(0)
		return v, nil, false, err
	}
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	word := l.b[start:l.pos:l.pos]
	switch string(word) {
	case "true":
		return operand{k: kBool, num: 1}, nil, false, nil
	case "false":
		return operand{k: kBool}, nil, false, nil
	case "null":
		return operand{}, nil, false, nil
	}
	return operand{}, word, false, nil
}

// value reads one operand starting at the current position.
func (l *lexer) value(depth int) (operand, error) {
	if depth > maxNesting {
		return operand{}, fmt.Errorf("%w: nesting deeper than %d", errSyntax, maxNesting)
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return operand{}, fmt.Errorf("%w: unexpected end", errSyntax)
	}
	c := l.b[l.pos]
	switch {
	case c == '/':
		l.pos++
		start := l.pos
		for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
			l.pos++
		}
		return operand{k: kName, str: decodeName(l.b[start:l.pos])}, nil
	case c == '(':
		return l.literal()
	case c == '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			return l.dict(depth)
		}
		return l.hex()
	case c == '[':
		l.pos++
		arr, err := l.elements(depth, "array", func() bool {
			if l.b[l.pos] == ']' {
				l.pos++
				return true
			}
			return false
		})
		return operand{k: kArray, arr: arr}, err
	default:
		return l.number()
	}
}

// elements reads the elements of an array or dictionary up to its end, which end
// recognises and consumes. Keywords inside are malformed and dropped.
func (l *lexer) elements(depth int, what string, end func() bool) ([]operand, error) {
	base := len(l.open)
	defer func() { l.open = l.open[:base] }()
	for {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return nil, fmt.Errorf("%w: unterminated %s", errSyntax, what)
		}
		if end() {
			start := len(l.elems)
			l.elems = append(l.elems, l.open[base:]...)
			return l.elems[start:len(l.elems):len(l.elems)], nil
		}
		if len(l.open)-base >= maxArrayElem {
			return nil, fmt.Errorf("%w: %s longer than %d", errSyntax, what, maxArrayElem)
		}
		v, keyword, eof, err := l.nextIn(depth + 1)
		if err != nil {
			return nil, err
		}
		if eof {
			return nil, fmt.Errorf("%w: unterminated %s", errSyntax, what)
		}
		if !keyword {
			l.open = append(l.open, v)
		}
	}
}

// nextIn is next for elements of a container at the given depth; keyword says the
// token was not a value.
func (l *lexer) nextIn(depth int) (v operand, keyword, eof bool, err error) {
	l.skipSpace()
	if l.pos >= len(l.b) {
		return operand{}, false, true, nil
	}
	c := l.b[l.pos]
	if c == '/' || c == '(' || c == '<' || c == '[' || c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') {
		v, err := l.value(depth)
		return v, false, false, err
	}
	if c == '>' || c == ')' || c == '{' || c == '}' {
		l.pos++
		return operand{}, true, false, nil
	}
	v, op, eof, err := l.token()
	return v, len(op) > 0, eof, err
}

func (l *lexer) dict(depth int) (operand, error) {
	l.pos += 2
	arr, err := l.elements(depth, "dictionary", func() bool {
		if l.b[l.pos] != '>' {
			return false
		}
		l.pos++
		if l.pos < len(l.b) && l.b[l.pos] == '>' {
			l.pos++
		}
		return true
	})
	return operand{k: kDict, arr: arr}, err
}

func (l *lexer) number() (operand, error) {
	if f, n, ok := plainNumber(l.b[l.pos:]); ok {
		l.pos += n
		return operand{k: kNum, num: f}, nil
	}
	start := l.pos
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' {
			l.pos++
			continue
		}
		break
	}
	s := l.b[start:l.pos]
	if len(s) == 0 {
		l.pos++
		return operand{}, fmt.Errorf("%w: unexpected byte %q", errSyntax, l.b[start])
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		// Producers write "--5" or "1.2.3"; read the longest valid prefix, else 0.
		f = 0
		for i := len(s); i > 0; i-- {
			if g, err := strconv.ParseFloat(string(s[:i]), 64); err == nil {
				f = g
				break
			}
		}
	}
	return operand{k: kNum, num: f}, nil
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// plainNumber reads the number at the start of b when it is of the kind content streams
// are made of — a sign, digits, at most one point — and n bytes long, without strconv's
// allocation, when the result is exact: the digits fit float64's mantissa and the
// divisor is an exact power of ten, so the one division is correctly rounded, as
// strconv.ParseFloat is. ok is false for anything else, which number reads the slow way.
func plainNumber(b []byte) (f float64, n int, ok bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		n++
	}
	var mant uint64
	digits, frac, point := 0, 0, false
scan:
	for ; n < len(b); n++ {
		switch c := b[n]; {
		case c >= '0' && c <= '9':
			if mant >= 1<<53/10 {
				return 0, 0, false
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		case c == '.' || c == '-' || c == '+':
			return 0, 0, false // "1.2.3", "4-5": the slow path's repairs
		default:
			break scan
		}
	}
	if digits == 0 || frac >= len(pow10) {
		return 0, 0, false
	}
	f = float64(mant) / pow10[frac]
	if neg {
		f = -f
	}
	return f, n, true
}

func (l *lexer) literal() (operand, error) {
	l.pos++ // (
	// Most strings have no escapes and no nested brackets: one copy of the bytes.
	for i := l.pos; i < len(l.b); i++ {
		if c := l.b[i]; c == ')' {
			s := string(l.b[l.pos:i])
			l.pos = i + 1
			return operand{k: kStr, str: s}, nil
		} else if c == '\\' || c == '(' {
			break
		}
	}
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return operand{k: kStr, str: string(out)}, nil
			}
		case '\\':
			if l.pos >= len(l.b) {
				break
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					n := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						n = n*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(n)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return operand{k: kStr, str: string(out)}, nil // unterminated: keep what was read
}

func (l *lexer) hex() (operand, error) {
	l.pos++ // <
	end := bytes.IndexByte(l.b[l.pos:], '>')
	if end < 0 {
		end = len(l.b) - l.pos
	}
	out := make([]byte, 0, (end+1)/2)
	hi, have := byte(0), false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		d, ok := unhex(c)
		if !ok {
			continue
		}
		if have {
			out = append(out, hi<<4|d)
			have = false
		} else {
			hi, have = d, true
		}
	}
	if have {
		out = append(out, hi<<4)
	}
	return operand{k: kStr, str: string(out)}, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeName resolves #xx escapes in a name.
func decodeName(b []byte) string {
	for i := 0; i < len(b); i++ {
		if b[i] == '#' {
			out := make([]byte, 0, len(b))
			for j := 0; j < len(b); j++ {
				if b[j] == '#' && j+2 < len(b) {
					h, ok1 := unhex(b[j+1])
					lo, ok2 := unhex(b[j+2])
					if ok1 && ok2 {
						out = append(out, h<<4|lo)
						j += 2
						continue
					}
				}
				out = append(out, b[j])
			}
			return string(out)
		}
	}
	return string(b)
}

// skipInlineImage moves past the data of an inline image, called after the ID operator:
// the data is binary and ends at whitespace, "EI", whitespace (or the end).
func (l *lexer) skipInlineImage() {
	if l.pos < len(l.b) && isWhite(l.b[l.pos]) {
		l.pos++
	}
	for i := l.pos; i+1 < len(l.b); i++ {
		if l.b[i] == 'E' && l.b[i+1] == 'I' && (i == 0 || isWhite(l.b[i-1])) && (i+2 >= len(l.b) || isWhite(l.b[i+2]) || isDelim(l.b[i+2])) {
			l.pos = i + 2
			return
		}
	}
	l.pos = len(l.b)
}
