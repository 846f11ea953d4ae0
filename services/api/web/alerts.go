package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docketwatch/docketwatch/pkg/alert"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/pkg/search"
	"github.com/docketwatch/docketwatch/services/api"
)

// Preview windows a researcher may pick, in days; the first is the default.
// Ranges of years are counted by month or year (search.Histogram): documents filed long
// ago can be previewed too.
var previewDays = []int{30, 7, 90, 365, 5 * 365, 25 * 365}

// rangeLabel names a preview range of days: "the last 30 days", "the last 5 years".
func rangeLabel(days int) string {
	if days >= 365 && days%365 == 0 && days > 365 {
		return fmt.Sprintf("the last %d years", days/365)
	}
	return fmt.Sprintf("the last %d days", days)
}

// maxPreviewDays bounds the range a URL may ask for: a century.
const maxPreviewDays = 100 * 366

// recentPerRule is how many of a rule's latest alerts its card lists.
const recentPerRule = 5

type ruleView struct {
	alert.Rule
	Filters   []string
	FeedURL   string
	SearchURL string
	Recent    []recentAlert
	RecentErr string
	// Deliveries are the statuses of the rule's pushing channels (webhook, email).
	Deliveries []deliveryView
}

// deliveryView is one channel's delivery status; Failing asks for attention.
type deliveryView struct {
	Channel, Text string
	Failing       bool
}

type recentAlert struct {
	Title, URL, Kind string
	At               time.Time
}

type alertsData struct {
	Rules []ruleView
	Err   string
	Saved string
}

func (u *ui) alertsPage(w http.ResponseWriter, r *http.Request) {
	// The rules name webhook and email addresses, and their ids open their feeds.
	if v := u.auth.Check(r, true); v != api.Granted {
		if !u.auth.Configured() {
			u.needSignIn(w, r, v)
			return
		}
		seeOther(w, r, "/login", url.Values{"next": {localPath(r.URL.RequestURI())}})
		return
	}
	d := &alertsData{}
	p := page{Title: "Alerts", Nav: "alerts", Data: d}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	store, err := u.ruleStore(ctx)
	var rules []alert.Rule
	if err == nil {
		rules, err = store.List(ctx)
	}
	if err == nil {
		err = store.WithRetries(ctx, rules)
	}
	if err != nil {
		u.Log.Error("web alerts", "err", err)
		p.Error = "The alert rules could not be read: " + err.Error()
		u.render(w, r, http.StatusServiceUnavailable, "alerts", p)
		return
	}
	v := r.URL.Query()
	for _, rule := range rules {
		rv := ruleView{Rule: rule.Redacted(), Filters: filterNotes(rule),
			FeedURL:   u.APIPrefix + "/alerts/" + rule.ID + "/feed.atom",
			SearchURL: withParams("/", ruleParams(rule), nil)}
		for _, ch := range []string{alert.ChannelWebhook, alert.ChannelEmail} {
			if text, failing := rule.DeliveryStatus(ch); text != "" {
				rv.Deliveries = append(rv.Deliveries, deliveryView{Channel: ch, Text: text, Failing: failing})
			}
		}
		if rule.ID == v.Get("saved") {
			d.Saved = rule.Name
		}
		if u.JS != nil {
			events, err := alert.Recent(ctx, u.JS, rule.ID, u.Now().Add(-90*24*time.Hour), recentPerRule)
			if err != nil {
				rv.RecentErr = "recent alerts could not be read: " + err.Error()
			}
			for _, e := range events {
				if a := e.Alert; a != nil {
					title := a.Heading()
					kind := "newly filed"
					if a.Kind == alert.NewlyAvailable {
						kind = "newly available"
					}
					rv.Recent = append(rv.Recent, recentAlert{Title: title, URL: docURL(a.DocID, rule.Query, a.Page), Kind: kind, At: a.MatchedAt})
				} else if dg := e.Digest; dg != nil {
					rv.Recent = append(rv.Recent, recentAlert{Title: fmt.Sprintf("digest of %d more matches on %s", len(dg.Alerts)+dg.Omitted, dg.Day), Kind: "digest", At: dg.CreatedAt})
				}
			}
		}
		d.Rules = append(d.Rules, rv)
	}
	if name := v.Get("deleted"); name != "" {
		p.Flash = "Deleted the alert “" + name + "”."
	}
	if name := v.Get("paused"); name != "" {
		p.Flash = "Paused the alert “" + name + "”: it matches nothing until you resume it."
	}
	if name := v.Get("resumed"); name != "" {
		p.Flash = "Resumed the alert “" + name + "”."
	}
	if d.Saved != "" {
		p.Flash = "Saved the alert “" + d.Saved + "”. New matching documents will appear in its feed."
	}
	u.render(w, r, http.StatusOK, "alerts", p)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// filterNotes describes a rule's filters for people.
func filterNotes(r alert.Rule) []string {
	f := r.Filters
	var n []string
	if len(f.Courts) > 0 {
		n = append(n, "court "+strings.Join(f.Courts, ", "))
	}
	if f.Docket != "" {
		n = append(n, "docket "+f.Docket)
	}
	if f.ExhibitsOnly {
		n = append(n, "exhibits only")
	}
	if len(f.Types) > 0 {
		n = append(n, "type "+strings.Join(f.Types, ", "))
	}
	for _, e := range f.Entities {
		n = append(n, "naming "+e)
	}
	if r.DailyCap > 0 {
		n = append(n, fmt.Sprintf("at most %d a day, the rest in a digest", r.DailyCap))
	}
	return n // the channels say themselves how they deliver (Deliveries)
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ruleParams is the search a rule runs, as search page parameters.
func ruleParams(r alert.Rule) url.Values {
	v := url.Values{"q": {r.Query}}
	if len(r.Filters.Courts) > 0 {
		v.Set("court", strings.Join(r.Filters.Courts, ","))
	}
	if r.Filters.Docket != "" {
		v.Set("docket", r.Filters.Docket)
	}
	if r.Filters.ExhibitsOnly {
		v.Set("exhibits", "true")
	}
	for _, t := range r.Filters.Types {
		v.Add("doc_type", t)
	}
	for _, e := range r.Filters.Entities {
		v.Add("entity", e)
	}
	return v
}

// ruleFromForm reads a rule from the search parameters (the preview's URL, or the
// save form, which carries the same names).
func ruleFromForm(v url.Values) (alert.Rule, error) {
	r := alert.Rule{Name: strings.TrimSpace(v.Get("name")), Query: strings.TrimSpace(v.Get("q"))}
	r.Filters.Courts = api.ListParam(v, "court")
	r.Filters.Docket = strings.TrimSpace(v.Get("docket"))
	r.Filters.ExhibitsOnly, _ = strconv.ParseBool(v.Get("exhibits"))
	r.Filters.Types = api.ListParam(v, "doc_type")
	for _, e := range v["entity"] {
		if e = strings.TrimSpace(e); e != "" {
			r.Filters.Entities = append(r.Filters.Entities, e)
		}
	}
	if s := strings.TrimSpace(v.Get("daily_cap")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > alert.MaxDailyCap {
			return r, fmt.Errorf("the daily limit must be a whole number from 0 to %d", alert.MaxDailyCap)
		}
		r.DailyCap = n
	}
	if r.Name == "" {
		r.Name = r.Query
	}
	if len(r.Name) > alert.MaxNameLen {
		r.Name = r.Name[:alert.MaxNameLen]
		for len(r.Name) > 0 && !utf8.ValidString(r.Name) {
			r.Name = r.Name[:len(r.Name)-1] // cut inside a character: drop its start
		}
	}
	return r, nil
}

type dayBar struct {
	Day    string
	Hits   uint64
	X, Y   int
	Width  int
	Height int
}

type previewData struct {
	Rule      alert.Rule
	Filters   []string
	Days      int
	DayChoice []int
	Unit      string // what a bar counts: a "day", a "month" or a "year"
	Bars      []dayBar
	Total     uint64
	PerDay    string
	Peak      uint64
	Sample    []hitView
	Problem   *queryProblem
	Dropped   []string
	SearchURL string
	Params    []kv
	ChartW    int
	ChartH    int
}

// Chart geometry, in SVG user units.
const (
	chartH   = 120
	chartBar = 12
)

func (u *ui) alertPreview(w http.ResponseWriter, r *http.Request) {
	u.previewPage(w, r, r.URL.Query(), "", http.StatusOK)
}

// previewPage shows what a rule would have matched over the last days, by filed date,
// with the form that saves it; formErr is the outcome of a failed save.
func (u *ui) previewPage(w http.ResponseWriter, r *http.Request, v url.Values, formErr string, status int) {
	rule, err := ruleFromForm(v)
	d := &previewData{Rule: rule, Filters: filterNotes(rule), DayChoice: previewDays}
	p := page{Title: "New alert", Nav: "alerts", Data: d, Error: formErr}
	if err != nil && p.Error == "" {
		p.Error = err.Error()
		status = http.StatusBadRequest
	}
	d.Days, _ = strconv.Atoi(v.Get("days"))
	if d.Days < 1 || d.Days > maxPreviewDays {
		d.Days = previewDays[0]
	}
	for _, k := range []string{"filed_from", "filed_to"} {
		if v.Get(k) != "" {
			d.Dropped = append(d.Dropped, "the filed date range")
			break
		}
	}
	sv := ruleParams(rule)
	d.SearchURL = withParams("/", sv, nil)
	for k, vals := range sv {
		if k == "q" {
			continue
		}
		for _, s := range vals {
			d.Params = append(d.Params, kv{k, s})
		}
	}
	if rule.Query == "" {
		if p.Error == "" {
			p.Error = "An alert needs a query: search for something first, then choose “Alert me on this search”."
		}
		u.render(w, r, http.StatusBadRequest, "alert_new", p)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	if err := u.preview(ctx, d); err != nil {
		if d.Problem = problemOf(rule.Query, err); d.Problem == nil {
			u.Log.Error("web alert preview", "q", rule.Query, "err", err)
			p.Error = "The preview could not run: " + err.Error()
			status = http.StatusServiceUnavailable
		} else {
			status = http.StatusBadRequest
		}
	}
	u.render(w, r, status, "alert_new", p)
}

// preview counts the rule's hits over the last d.Days days, by day, month or year
// (search.Histogram): one search per bar, whose total is exact and cheap without
// highlights.
func (u *ui) preview(ctx context.Context, d *previewData) error {
	base := search.Query{Q: d.Rule.Query, Court: d.Rule.Filters.Courts, Docket: d.Rule.Filters.Docket,
		Exhibits: d.Rule.Filters.ExhibitsOnly, DocTypes: d.Rule.Filters.Types, NoHighlight: true, Limit: 1}
	for _, e := range d.Rule.Filters.Entities {
		base.Entities = append(base.Entities, entityFilterOf(e))
	}
	today := u.Now().UTC().Truncate(24 * time.Hour)
	buckets, unit, err := search.Histogram(ctx, u.Searcher, base, search.ByFiled, today.AddDate(0, 0, -(d.Days-1)), today)
	if err != nil {
		return err
	}
	d.Unit = unit
	for _, b := range buckets {
		d.Bars = append(d.Bars, dayBar{Day: b.Period, Hits: b.Hits})
		d.Total += b.Hits
		d.Peak = max(d.Peak, b.Hits)
	}
	d.PerDay = strconv.FormatFloat(float64(d.Total)/float64(len(d.Bars)), 'f', 1, 64)
	gap := 2
	if len(d.Bars) > 60 {
		gap = 0
	}
	d.ChartW, d.ChartH = len(d.Bars)*(chartBar+gap), chartH
	for i := range d.Bars {
		b := &d.Bars[i]
		b.X, b.Width = i*(chartBar+gap), chartBar
		if d.Peak > 0 {
			b.Height = int(b.Hits * (chartH - 4) / d.Peak)
		}
		if b.Hits > 0 && b.Height < 2 {
			b.Height = 2
		}
		b.Y = chartH - b.Height
	}
	sample := base
	sample.NoHighlight, sample.Limit = false, 5
	sample.FiledFrom = today.AddDate(0, 0, -(d.Days - 1))
	res, err := u.Searcher.Search(ctx, sample)
	if err != nil {
		return err
	}
	d.Sample = u.hitViews(ctx, ruleParams(d.Rule), res.Hits)
	return nil
}

// entityFilterOf reads "type:Name" or "Name", as the search page's entity parameter.
func entityFilterOf(s string) search.EntityFilter {
	s = strings.TrimSpace(s)
	if t, name, ok := strings.Cut(s, ":"); ok && search.KnownEntityType(filing.EntityType(t)) {
		return search.EntityFilter{Type: filing.EntityType(t), Name: strings.TrimSpace(name)}
	}
	return search.EntityFilter{Name: s}
}

func (u *ui) alertSave(w http.ResponseWriter, r *http.Request) {
	v := r.PostForm
	rule, err := ruleFromForm(v)
	if err != nil {
		u.previewPage(w, r, v, err.Error(), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	// The query must run as a search does before it is kept: a rule that can never
	// match would fail silently for ever.
	q := search.Query{Q: rule.Query, Limit: 1, NoHighlight: true}
	if _, err := u.Searcher.Search(ctx, q); err != nil && search.IsQueryError(err) {
		u.previewPage(w, r, v, "The query cannot be saved: "+problemText(rule.Query, err), http.StatusBadRequest)
		return
	}
	if u.CheckRule != nil {
		if err := u.CheckRule(rule); err != nil {
			u.previewPage(w, r, v, "The alert cannot be saved: "+problemText(rule.Query, err), http.StatusBadRequest)
			return
		}
	}
	store, err := u.ruleStore(ctx)
	if err != nil {
		u.previewPage(w, r, v, err.Error(), http.StatusServiceUnavailable)
		return
	}
	saved, err := store.Create(ctx, rule)
	if err != nil {
		u.previewPage(w, r, v, "The alert could not be saved: "+err.Error(), http.StatusBadRequest)
		return
	}
	u.Log.Info("rule created from the web", "rule", saved.ID, "name", saved.Name)
	seeOther(w, r, "/alerts", url.Values{"saved": {saved.ID}})
}

func problemText(q string, err error) string {
	if p := problemOf(q, err); p != nil {
		if p.Position > 0 {
			return fmt.Sprintf("%s (at character %d)", p.Message, p.Position)
		}
		return p.Message
	}
	return err.Error()
}

func (u *ui) alertDelete(w http.ResponseWriter, r *http.Request) {
	u.changeRule(w, r, "deleted", func(ctx context.Context, store *alert.Store, id string) (alert.Rule, string, error) {
		rule, _, err := store.Get(ctx, id)
		if err == nil {
			err = store.Delete(ctx, id)
		}
		return rule, "deleted", err
	})
}

// alertPause pauses a rule, or resumes a paused one.
func (u *ui) alertPause(w http.ResponseWriter, r *http.Request) {
	u.changeRule(w, r, "changed", func(ctx context.Context, store *alert.Store, id string) (alert.Rule, string, error) {
		rule, err := store.Update(ctx, id, func(r *alert.Rule) error {
			r.Paused = !r.Paused
			return nil
		})
		if rule.Paused {
			return rule, "paused", err
		}
		return rule, "resumed", err
	})
}

// changeRule applies change to the rule the path names and goes back to the alerts page,
// whose flash says what happened (change's second result: "deleted", "paused", …).
func (u *ui) changeRule(w http.ResponseWriter, r *http.Request, failing string,
	change func(ctx context.Context, store *alert.Store, id string) (alert.Rule, string, error)) {
	id := r.PathValue("id")
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	store, err := u.ruleStore(ctx)
	if err != nil {
		u.fail(w, r, http.StatusServiceUnavailable, err.Error())
		return
	}
	rule, happened, err := change(ctx, store, id)
	switch {
	case errors.Is(err, alert.ErrNotFound):
		u.fail(w, r, http.StatusNotFound, "There is no alert "+id+"; it may have been deleted already.")
	case err != nil:
		u.fail(w, r, http.StatusServiceUnavailable, "The alert could not be "+failing+": "+err.Error())
	default:
		u.Log.Info("rule "+happened+" from the web", "rule", id)
		seeOther(w, r, "/alerts", url.Values{happened: {rule.Name}})
	}
}
