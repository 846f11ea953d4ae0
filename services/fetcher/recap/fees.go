package recap

import "fmt"

// Cents is an amount of US money in cents; every amount in the ledger is one, so that
// sums are exact.
type Cents int64

func (c Cents) String() string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s$%d.%02d", sign, c/100, c%100)
}

// PACER's fee schedule (Electronic Public Access Fee Schedule, Judicial Conference of the
// United States): $0.10 a page, at most the price of 30 pages ($3.00) for a document —
// except transcripts, which are charged for every page. An account billed $30 or less in
// a quarter pays nothing for it (the quarterly waiver); the ledger does not count on the
// waiver, since other use of the same PACER account shares it.
const (
	PerPage     Cents = 10
	DocumentCap Cents = 300
	// QuarterlyWaiver is the quarterly amount PACER waives, shown beside the spend.
	QuarterlyWaiver Cents = 3000
)

// Estimate is what PACER charges for a document of pages pages. An unknown page count
// (0) is estimated at the per-document cap, so that a reservation is never less than the
// charge; a transcript of unknown length cannot be estimated and returns false.
func Estimate(pages int, transcript bool) (Cents, bool) {
	switch {
	case pages <= 0 && transcript:
		return 0, false
	case pages <= 0:
		return DocumentCap, true
	case transcript:
		return Cents(pages) * PerPage, true
	}
	return min(Cents(pages)*PerPage, DocumentCap), true
}
