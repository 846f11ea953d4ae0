package search

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Date fields a Histogram counts by: the filing date, or when docketwatch indexed it.
const (
	ByFiled   = "filed"
	ByIndexed = "indexed"
)

// Bucket is how many documents a query matched in one period ("2024-03-05", "2024-03"
// or "2024").
type Bucket struct {
	Period string `json:"period"`
	Hits   uint64 `json:"hits"`
}

// Histogram counts q's hits by the date field by (ByFiled or ByIndexed) in each period
// from from to to, both days included: by day up to 92 days, by month up to 60 months,
// else by year, so that any range takes at most a hundred-odd exact searches. It returns
// the buckets, oldest first, and the unit ("day", "month" or "year").
func Histogram(ctx context.Context, s Searcher, q Query, by string, from, to time.Time) ([]Bucket, string, error) {
	if by != ByFiled && by != ByIndexed {
		return nil, "", fmt.Errorf("counting by %q: want %s or %s", by, ByFiled, ByIndexed)
	}
	from, to = day(from), day(to)
	if to.Before(from) {
		return nil, "", fmt.Errorf("counting from %s to %s: the range ends before it starts", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	unit, layout, step := "day", time.DateOnly, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	switch months := (to.Year()-from.Year())*12 + int(to.Month()-from.Month()) + 1; {
	case to.Sub(from) > 91*24*time.Hour && months <= 60:
		unit, layout, step = "month", "2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
		from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	case months > 60:
		unit, layout, step = "year", "2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }
		from = time.Date(from.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var out []Bucket
	for t := from; !t.After(to); t = step(t) {
		period := t.Format(layout)
		bq := Within(q, by, period, "")
		bq.Limit, bq.Facets, bq.After = 1, nil, ""
		res, err := s.Search(ctx, bq)
		if err != nil {
			return nil, "", fmt.Errorf("counting %s: %w", period, err)
		}
		out = append(out, Bucket{Period: period, Hits: res.Total})
	}
	return out, unit, nil
}

// Within narrows q to documents whose date field by falls in a period ("2024",
// "2024-03", "2024-03-05") or, with until, from the period from to the period until,
// both included, in the query language: so that it works alike for every date field.
func Within(q Query, by, from, until string) Query {
	clause := by + ":" + from
	if until != "" {
		clause = fmt.Sprintf("%s:>=%s %s:<=%s", by, from, by, until)
	}
	if strings.TrimSpace(q.Q) == "" {
		q.Q = clause
	} else {
		q.Q = "(" + q.Q + ") " + clause
	}
	return q
}

func day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
