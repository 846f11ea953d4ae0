// Package pacerrss reads the free PACER RSS feeds of the federal courts: the feed URL of
// each court, a parser for every variant the courts publish (district, bankruptcy,
// appellate; CDATA descriptions; items without a document link; repeated guids; local
// time-zone abbreviations), and a polite Poller that turns new feed items into
// filing.Documents.
//
// The parser follows juriscraper's PacerRssFeed (freelawproject/juriscraper,
// juriscraper/pacer/rss_feeds.py), whose expected outputs are this package's test oracle:
// one docket-like Entry per distinct docket entry, after merging the several items CM/ECF
// writes for one multi-event entry.
//
// A feed entry is a document without a PDF yet: its short description is searchable, and
// when CourtListener later has the PDF the same DocID is enriched.
//
// The Poller's Poll has the shape every fetcher source shares:
//
//	// Poll fetches what is new since cursor, calls emit for each document (emit returns an
//	// error if it could not be published durably: stop and return it), and returns the new
//	// cursor to persist only after every emit succeeded.
//
// Here the cursor is a FeedState, a JSON-serialisable struct the caller keeps in a KV store.
package pacerrss
