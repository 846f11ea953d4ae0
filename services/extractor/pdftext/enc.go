package pdftext

import (
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Base encodings of simple fonts, code → rune (0 = no glyph).
var (
	winAnsiEnc  = tableFrom(charmap.Windows1252)
	macRomanEnc = tableFrom(charmap.Macintosh)
	standardEnc = buildStandard()
	pdfDocEnc   = buildPDFDoc()
)

func tableFrom(cm *charmap.Charmap) *[256]rune {
	var t [256]rune
	for i := 32; i < 256; i++ {
		r := cm.DecodeByte(byte(i))
		if r == '\uFFFD' {
			r = 0
		}
		t[i] = r
	}
	// WinAnsi names 0xAD "hyphen" (a visible glyph), where Windows-1252 says soft
	// hyphen; 0xA0 is a space in both.
	if cm == charmap.Windows1252 {
		t[0xAD] = '-'
	}
	return &t
}

// buildStandard returns Adobe StandardEncoding: ASCII with typographic quotes at 0x27
// and 0x60, and its own upper half.
func buildStandard() *[256]rune {
	var t [256]rune
	for i := 32; i < 127; i++ {
		t[i] = rune(i)
	}
	t[0x27], t[0x60] = '’', '‘'
	upper := map[byte]rune{
		0xA1: '¡', 0xA2: '¢', 0xA3: '£', 0xA4: '⁄', 0xA5: '¥', 0xA6: 'ƒ', 0xA7: '§', 0xA8: '¤',
		0xA9: '\'', 0xAA: '“', 0xAB: '«', 0xAC: '‹', 0xAD: '›', 0xAE: 'ﬁ', 0xAF: 'ﬂ',
		0xB1: '–', 0xB2: '†', 0xB3: '‡', 0xB4: '·', 0xB6: '¶', 0xB7: '•', 0xB8: '‚', 0xB9: '„',
		0xBA: '”', 0xBB: '»', 0xBC: '…', 0xBD: '‰', 0xBF: '¿', 0xC1: '`', 0xC2: '´', 0xC3: 'ˆ',
		0xC4: '˜', 0xC5: '¯', 0xC6: '˘', 0xC7: '˙', 0xC8: '¨', 0xCA: '˚', 0xCB: '¸', 0xCD: '˝',
		0xCE: '˛', 0xCF: 'ˇ', 0xD0: '—', 0xE1: 'Æ', 0xE3: 'ª', 0xE8: 'Ł', 0xE9: 'Ø', 0xEA: 'Œ',
		0xEB: 'º', 0xF1: 'æ', 0xF5: 'ı', 0xF8: 'ł', 0xF9: 'ø', 0xFA: 'œ', 0xFB: 'ß',
	}
	for c, r := range upper {
		t[c] = r
	}
	return &t
}

// buildPDFDoc returns PDFDocEncoding, which is Latin-1 with typographic characters in
// 0x18–0x1F and 0x80–0x9F.
func buildPDFDoc() *[256]rune {
	var t [256]rune
	for i := 32; i < 256; i++ {
		t[i] = rune(i)
	}
	for i := 0x7F; i < 0xA1; i++ {
		t[i] = 0
	}
	for i, r := range []rune("˘ˇˆ˙˝˛˚˜") {
		t[0x18+i] = r
	}
	for i, r := range []rune("•†‡…—–ƒ⁄‹›−‰„“”‘’‚™ﬁﬂŁŒŠŸŽıłœšž") {
		t[0x80+i] = r
	}
	t[0xA0] = '€'
	return &t
}

// glyphNames maps the Adobe glyph names that court-filing fonts actually use in
// /Differences; accented letters are composed by rule in glyphRune instead of listed.
var glyphNames = map[string]rune{
	"space": ' ', "exclam": '!', "quotedbl": '"', "numbersign": '#', "dollar": '$', "percent": '%',
	"ampersand": '&', "quoteright": '’', "quotesingle": '\'', "parenleft": '(', "parenright": ')',
	"asterisk": '*', "plus": '+', "comma": ',', "hyphen": '-', "period": '.', "slash": '/',
	"zero": '0', "one": '1', "two": '2', "three": '3', "four": '4', "five": '5', "six": '6',
	"seven": '7', "eight": '8', "nine": '9', "colon": ':', "semicolon": ';', "less": '<',
	"equal": '=', "greater": '>', "question": '?', "at": '@', "bracketleft": '[',
	"backslash": '\\', "bracketright": ']', "asciicircum": '^', "underscore": '_', "grave": '`',
	"quoteleft": '‘', "braceleft": '{', "bar": '|', "braceright": '}', "asciitilde": '~',
	"exclamdown": '¡', "cent": '¢', "sterling": '£', "fraction": '⁄', "yen": '¥', "florin": 'ƒ',
	"section": '§', "currency": '¤', "quotedblleft": '“', "guillemotleft": '«',
	"guilsinglleft": '‹', "guilsinglright": '›', "fi": 'ﬁ', "fl": 'ﬂ', "ff": 'ﬀ', "ffi": 'ﬃ',
	"ffl": 'ﬄ', "endash": '–', "emdash": '—', "dagger": '†', "daggerdbl": '‡',
	"periodcentered": '·', "paragraph": '¶', "bullet": '•', "quotesinglbase": '‚',
	"quotedblbase": '„', "quotedblright": '”', "guillemotright": '»', "ellipsis": '…',
	"perthousand": '‰', "questiondown": '¿', "acute": '´', "circumflex": 'ˆ', "tilde": '˜',
	"macron": '¯', "breve": '˘', "dotaccent": '˙', "dieresis": '¨', "ring": '˚', "cedilla": '¸',
	"hungarumlaut": '˝', "ogonek": '˛', "caron": 'ˇ', "AE": 'Æ', "ae": 'æ', "OE": 'Œ', "oe": 'œ',
	"Oslash": 'Ø', "oslash": 'ø', "Lslash": 'Ł', "lslash": 'ł', "germandbls": 'ß',
	"dotlessi": 'ı', "ordfeminine": 'ª', "ordmasculine": 'º', "copyright": '©',
	"registered": '®', "trademark": '™', "degree": '°', "plusminus": '±', "multiply": '×',
	"divide": '÷', "minus": '−', "mu": 'µ', "logicalnot": '¬', "brokenbar": '¦',
	"onehalf": '½', "onequarter": '¼', "threequarters": '¾', "onesuperior": '¹',
	"twosuperior": '²', "threesuperior": '³', "Euro": '€', "nbspace": '\u00a0',
	"nonbreakingspace": '\u00a0', "sfthyphen": '\u00ad', "softhyphen": '\u00ad',
	"Eth": 'Ð', "eth": 'ð', "Thorn": 'Þ', "thorn": 'þ', "arrowright": '→', "arrowleft": '←',
	"checkmark": '✓', "square": '□', "circle": '○', "lozenge": '◊', "notequal": '≠',
	"lessequal": '≤', "greaterequal": '≥', "infinity": '∞', "summation": '∑',
}

var accents = map[string]rune{
	"acute": '\u0301', "grave": '\u0300', "circumflex": '\u0302', "dieresis": '\u0308',
	"tilde": '\u0303', "ring": '\u030A', "cedilla": '\u0327', "caron": '\u030C',
	"macron": '\u0304', "breve": '\u0306', "ogonek": '\u0328', "dotaccent": '\u0307',
	"hungarumlaut": '\u030B',
}

// glyphRune maps a glyph name to its character, or 0 when the name says nothing
// (TeX's "g37", "cid12" and the like).
func glyphRune(name string) rune {
	if i := strings.IndexByte(name, '.'); i > 0 { // "a.sc", "one.oldstyle"
		name = name[:i]
	}
	if r, ok := glyphNames[name]; ok {
		return r
	}
	if len(name) == 1 {
		return rune(name[0])
	}
	if strings.HasPrefix(name, "uni") && len(name) >= 7 {
		if v, err := strconv.ParseUint(name[3:7], 16, 32); err == nil {
			return rune(v)
		}
	}
	if name[0] == 'u' && len(name) >= 5 && len(name) <= 7 {
		if v, err := strconv.ParseUint(name[1:], 16, 32); err == nil && v <= 0x10FFFF {
			return rune(v)
		}
	}
	// "eacute", "Udieresis", "ccedilla": a base letter and an accent name.
	if len(name) > 1 {
		if mark, ok := accents[name[1:]]; ok {
			if c := name[0]; (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
				if s := norm.NFC.String(string([]rune{rune(c), mark})); len([]rune(s)) == 1 {
					return []rune(s)[0]
				}
			}
		}
	}
	return 0
}

// standardWidths returns advance widths (1/1000 em) for the standard 14 fonts that
// files name without embedding or giving /Widths. Only spacing depends on them, so
// bold and italic faces borrow their family's regular widths.
func standardWidths(base string) *[256]float64 {
	b := strings.ToLower(base)
	if i := strings.IndexByte(b, '+'); i == 6 {
		b = b[i+1:]
	}
	switch {
	case strings.Contains(b, "courier"):
		return &courierW
	case strings.Contains(b, "times"), strings.Contains(b, "roman"), strings.Contains(b, "serif") && !strings.Contains(b, "sans"):
		return &timesW
	case strings.Contains(b, "helvetica"), strings.Contains(b, "arial"):
		return &helveticaW
	}
	return nil
}

var (
	helveticaW = asciiWidths(
		// space ! " # $ % & ' ( ) * + , - . /
		[]float64{278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278,
			// 0-9
			556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
			// : ; < = > ? @
			278, 278, 584, 584, 584, 556, 1015,
			// A-Z
			667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,
			// [ \ ] ^ _ `
			278, 278, 278, 469, 556, 222,
			// a-z
			556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,
			// { | } ~
			334, 260, 334, 584}, 556)
	timesW = asciiWidths(
		[]float64{250, 333, 408, 500, 500, 833, 778, 333, 333, 333, 500, 564, 250, 333, 250, 278,
			500, 500, 500, 500, 500, 500, 500, 500, 500, 500,
			278, 278, 564, 564, 564, 444, 921,
			722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611,
			333, 278, 333, 469, 500, 333,
			444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444,
			480, 200, 480, 541}, 500)
	courierW = func() [256]float64 {
		var w [256]float64
		for i := range w {
			w[i] = 600
		}
		return w
	}()
)

// asciiWidths spreads widths for 0x20–0x7E over a 256 table, other codes getting def.
func asciiWidths(ascii []float64, def float64) [256]float64 {
	var w [256]float64
	for i := range w {
		w[i] = def
	}
	for i, v := range ascii {
		if 32+i < 256 {
			w[32+i] = v
		}
	}
	return w
}
