// Package courtlistener fetches new RECAP filings from CourtListener's REST API v4 and
// receives its webhooks.
//
// A Client speaks the API: Token authentication (the token is never logged), a request
// budget per minute, hour and day so a user stays inside their CourtListener limits,
// 429 Retry-After honoured, 5xx and timeouts retried with backoff, 401/403 reported as
// permanent errors. A Source polls the RECAP documents of one court by date_created (or
// date_modified) following DRF's cursor pagination, resolves each document's docket and
// entry, downloads available PDFs from the storage host verifying SHA-1 and size, and
// emits filing.Documents. A WebhookHandler accepts docket-alert and search-alert events
// (v2 envelope) and de-duplicates them on their Idempotency-Key.
//
// The Source's Poll has the shape every fetcher source shares:
//
//	// Poll fetches what is new since cursor, calls emit for each document (emit returns an
//	// error if it could not be published durably: stop and return it), and returns the new
//	// cursor to persist only after every emit succeeded.
//
// PDFs reach the caller through a FetchFunc it provides, which stores the bytes and
// returns their filing.BlobRef; Client.Download does the verified transfer.
package courtlistener
