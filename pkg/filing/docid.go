package filing

import (
	"fmt"
	"strconv"
	"strings"
)

// DocID identifies a document across sources, so that the same filing seen in an RSS
// feed, in CourtListener and in a folder is one record: "court/docket/entry/attachment"
// when those are known ("cand/3:20-cv-08570/736/12"), else "source:id" ("cl:rd:41823",
// "sha256:9f86d0…").
type DocID string

// NewDocID returns the court-based id of a document, or "" when court, docket number or
// entry number is missing.
func NewDocID(court, docket string, entry, attachment int) DocID {
	if court == "" || docket == "" || entry <= 0 || attachment < 0 {
		return ""
	}
	return DocID(court + "/" + docket + "/" + strconv.Itoa(entry) + "/" + strconv.Itoa(attachment))
}

// SourceDocID returns the id of a document known only by its id at a source.
func SourceDocID(source, id string) DocID { return DocID(source + ":" + id) }

// Validate reports whether the id is non-empty and printable.
func (id DocID) Validate() error {
	if id == "" {
		return fmt.Errorf("empty document id")
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f {
			return fmt.Errorf("document id %q has a space or control character", string(id))
		}
	}
	return nil
}

// Key encodes the id for a NATS KV key or subject token, which allow only
// [-/_=a-zA-Z0-9] safely (a "." splits subject tokens). Every other byte becomes "=XX";
// the encoding is reversible and keeps ids readable: "cand/3=3A20-cv-08570/736/12".
func (id DocID) Key() string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c == '-' || c == '/' || c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "=%02X", c)
	}
	return b.String()
}

// ParseKey reverses Key.
func ParseKey(key string) (DocID, error) {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		if key[i] != '=' {
			b.WriteByte(key[i])
			continue
		}
		if i+2 >= len(key) {
			return "", fmt.Errorf("key %q: truncated escape at %d", key, i)
		}
		v, err := strconv.ParseUint(key[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("key %q: bad escape at %d", key, i)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return DocID(b.String()), nil
}

// CourtToken is the court as a subject token: the court id, or "unknown".
func CourtToken(court string) string {
	if court == "" {
		return "unknown"
	}
	return DocID(court).Key()
}
