// Package courtlistener fetches new RECAP filings from CourtListener's REST API v4 and
// receives its webhooks.
//
// A Client speaks the API: Token authentication (the token is never logged), a request
// budget per minute, hour and day so a user stays inside their CourtListener limits
// (with a safety margin, its request log shareable through a BudgetLog), 429
// Retry-After honoured, 5xx and timeouts retried with backoff, 401/403 reported as
// permanent errors. A Source polls the RECAP documents of one court by date_modified (or
// date_created) following DRF's cursor pagination, each sweep starting an overlap behind
// its position for documents committed late; it resolves each document's docket and
// entry, downloads available PDFs from the storage host verifying SHA-1 and size (or
// defers a failing one to its caller), and emits filing.Documents. A WebhookHandler
// accepts docket-alert and search-alert events (v2 envelope), de-duplicates them on their
// Idempotency-Key and queues them; an EventResolver later turns them into documents.
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
