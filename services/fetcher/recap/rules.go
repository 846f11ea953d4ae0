package recap

import (
	"strings"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

// Rules decide which documents may be bought. The zero value buys nothing: buying needs
// Enabled and at least one of Dockets or Terms, so that "everything" is never the
// default.
type Rules struct {
	Enabled bool
	// Dockets are watched dockets, "court/number" ("cand/3:20-cv-08570"); a document of
	// another docket is not bought. Empty: any docket, if a term matches.
	Dockets []string
	// ExhibitsOnly buys exhibits and nothing else.
	ExhibitsOnly bool
	// Terms: the document's description or its entry's must contain one of them (case
	// folded). Empty: any description, if the docket is watched.
	Terms []string
	// MaxPages refuses documents longer than this (0: no limit beyond the caps); a
	// document whose page count is unknown is not bought while MaxPages is set.
	MaxPages int
	// Transcripts allows buying transcripts, which are charged for every page.
	Transcripts bool
}

// Decision says whether a document may be bought, and why (or why not).
type Decision struct {
	Buy    bool
	Reason string
}

// Decide applies the rules to a document with pages pages (0 unknown).
func (r Rules) Decide(doc filing.Document, pages int) Decision {
	switch {
	case !r.Enabled:
		return Decision{Reason: "buying is off"}
	case len(r.Dockets) == 0 && len(r.Terms) == 0:
		return Decision{Reason: "no watched dockets or terms"}
	case r.ExhibitsOnly && !doc.Exhibit:
		return Decision{Reason: "not an exhibit"}
	case isTranscript(doc) && !r.Transcripts:
		return Decision{Reason: "a transcript (charged per page without cap)"}
	case r.MaxPages > 0 && pages <= 0:
		return Decision{Reason: "page count unknown"}
	case r.MaxPages > 0 && pages > r.MaxPages:
		return Decision{Reason: "longer than the page limit"}
	}
	var why []string
	if len(r.Dockets) > 0 {
		d, ok := r.watched(doc)
		if !ok {
			return Decision{Reason: "docket not watched"}
		}
		why = append(why, "docket "+d)
	}
	if len(r.Terms) > 0 {
		t, ok := r.term(doc)
		if !ok {
			return Decision{Reason: "no tracked term in the description"}
		}
		why = append(why, "term "+t)
	}
	return Decision{Buy: true, Reason: strings.Join(why, ", ")}
}

func (r Rules) watched(doc filing.Document) (string, bool) {
	id := doc.Docket.Court + "/" + doc.Docket.Number
	for _, d := range r.Dockets {
		if strings.EqualFold(d, id) {
			return d, true
		}
	}
	return "", false
}

func (r Rules) term(doc filing.Document) (string, bool) {
	text := strings.ToLower(doc.Description + "\n" + doc.Entry.Description + "\n" + doc.ExhibitLabel)
	for _, t := range r.Terms {
		if t = strings.TrimSpace(t); t != "" && strings.Contains(text, strings.ToLower(t)) {
			return t, true
		}
	}
	return "", false
}

// isTranscript reports whether the document is a transcript, by its type or description.
func isTranscript(doc filing.Document) bool {
	return strings.Contains(strings.ToLower(doc.Description+" "+doc.Entry.Description), "transcript")
}
