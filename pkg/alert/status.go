package alert

import (
	"fmt"
	"strings"
	"time"
)

// DeliveryStatus says how the rule's channel delivers, for people: the Alerts page and
// `alerts show` print it, so both say the same. failing reports a channel that needs
// attention (disabled, or failing now). "" when the rule has no such channel.
func (r Rule) DeliveryStatus(channel string) (text string, failing bool) {
	d := r.Delivery(channel)
	if d == nil {
		return "", false
	}
	name := map[string]string{ChannelWebhook: "Webhook", ChannelEmail: "Email"}[channel]
	disabled := channel == ChannelWebhook && r.Webhook.Disabled
	var b strings.Builder
	switch {
	case disabled:
		fmt.Fprintf(&b, "%s disabled after %s in a row; save the alert again to resume.", name, countOf(d.Failures, "failed attempt"))
	case d.Failures > 0:
		fmt.Fprintf(&b, "%s failing: %s in a row.", name, countOf(d.Failures, "failed attempt"))
	default:
		fmt.Fprintf(&b, "%s working.", name)
	}
	switch {
	case d.PendingRetries > 0:
		fmt.Fprintf(&b, " Pending retries: %d, the next at %s.", d.PendingRetries, minuteOf(d.NextRetryAt))
	case d.Failures > 0 && !disabled:
		b.WriteString(" Pending retries: none.")
	}
	fmt.Fprintf(&b, " Last delivered: %s.", minuteOf(d.LastDeliveryAt))
	if !d.LastFailureAt.IsZero() || d.LastError != "" {
		fmt.Fprintf(&b, " Last failure: %s: %s", minuteOf(d.LastFailureAt), d.LastError)
	}
	return b.String(), disabled || d.Failures > 0
}

// minuteOf is a status time, in UTC to the minute.
func minuteOf(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// countOf is "1 failed attempt", "3 failed attempts".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
