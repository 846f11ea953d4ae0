package filing

// Merge is one document seen twice by different routes (a local copy, then from
// CourtListener, with the same PDF bytes): the document known as prev, enriched with what
// next says of it. It keeps prev's id, so that the index, alerts and links keep naming one
// document. Each metadata field keeps the value of the stronger origin (Origin.Strength;
// a value without a recorded origin came from the source that announced it); the other
// fields take next's value where it has one. The source, its id and its URL follow the
// document that carries source metadata, so that a local copy arriving after a
// CourtListener document does not turn it into a local file.
func Merge(prev, next Document) Document {
	out := next
	out.ID = prev.ID
	origins := map[string]Origin{}
	pick := func(field string, prevHas, nextHas bool, keepPrev func()) {
		po, no := origin(prev, field, prevHas), origin(next, field, nextHas)
		if prevHas && (!nextHas || po.Strength() > no.Strength()) {
			keepPrev()
			no = po
		}
		if prevHas || nextHas {
			origins[field] = no
		}
	}
	pick(FieldCourt, prev.Docket.Court != "", next.Docket.Court != "", func() { out.Docket.Court = prev.Docket.Court })
	pick(FieldDocket, prev.Docket.Number != "", next.Docket.Number != "", func() { out.Docket.Number = prev.Docket.Number })
	pick(FieldCaseName, prev.Docket.CaseName != "", next.Docket.CaseName != "", func() { out.Docket.CaseName = prev.Docket.CaseName })
	pick(FieldEntry, prev.Entry.Number != 0, next.Entry.Number != 0, func() { out.Entry.Number = prev.Entry.Number })
	pick(FieldAttachment, prev.Attachment != 0, next.Attachment != 0, func() { out.Attachment = prev.Attachment })
	pick(FieldFiled, !prev.Entry.Filed.IsZero(), !next.Entry.Filed.IsZero(), func() { out.Entry.Filed = prev.Entry.Filed })
	pick(FieldTitle, prev.Title != "", next.Title != "", func() { out.Title = prev.Title })
	pick(FieldType, prev.Type != "" && prev.Type != TypeOther, next.Type != "" && next.Type != TypeOther, func() { out.Type = prev.Type })
	out.Origins = nil
	for field, o := range origins {
		if o != FromSource { // the default for a value without a recorded origin
			if out.Origins == nil {
				out.Origins = map[string]Origin{}
			}
			out.Origins[field] = o
		}
	}
	if !hasSourceMetadata(next) && hasSourceMetadata(prev) {
		out.Source, out.SourceID, out.URL = prev.Source, prev.SourceID, prev.URL
	}
	out.Docket.SourceIDs = mergeIDs(prev.Docket.SourceIDs, next.Docket.SourceIDs)
	if out.Entry.Description == "" {
		out.Entry.Description = prev.Entry.Description
	}
	if out.Description == "" {
		out.Description, out.Exhibit, out.ExhibitLabel = prev.Description, prev.Exhibit, prev.ExhibitLabel
	}
	if out.Blob == nil {
		out.Blob = prev.Blob
	}
	if out.DiscoveredAt.IsZero() || (!prev.DiscoveredAt.IsZero() && prev.DiscoveredAt.Before(out.DiscoveredAt)) {
		out.DiscoveredAt = prev.DiscoveredAt
	}
	return out
}

// origin is where a document's value of field came from: its recorded origin, else the
// source's when it has the value.
func origin(d Document, field string, has bool) Origin {
	if o, ok := d.Origins[field]; ok {
		return o
	}
	if has {
		return FromSource
	}
	return ""
}

// hasSourceMetadata reports whether a source stated any of the document's court, docket
// or case name (a value without a recorded origin).
func hasSourceMetadata(d Document) bool {
	for field, has := range map[string]bool{FieldCourt: d.Docket.Court != "", FieldDocket: d.Docket.Number != "", FieldCaseName: d.Docket.CaseName != ""} {
		if has && origin(d, field, true) == FromSource {
			return true
		}
	}
	return false
}

func mergeIDs(a, b map[string]string) map[string]string {
	if len(a) == 0 {
		return b
	}
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
