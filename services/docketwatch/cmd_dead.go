package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/docketwatch/docketwatch/pkg/bus"
	"github.com/docketwatch/docketwatch/pkg/filing"
	"github.com/docketwatch/docketwatch/services/extractor/docmeta"
)

// cmdDead lists, shows and retries the work parked in DEAD.
func cmdDead(ctx context.Context, c *common, fs *flag.FlagSet, args []string) error {
	all := fs.Bool("all", false, "retry: every parked message")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return badUsage(fs, "dead needs list, show SEQ or retry SEQ...|--all")
	}
	var seqs []uint64
	switch pos[0] {
	case "list":
		if len(pos) > 1 {
			return badUsage(fs, "dead list takes no arguments, got %q", pos[1:])
		}
	case "show", "retry":
		if seqs, err = seqArgs(pos[1:]); err != nil && !(pos[0] == "retry" && *all) {
			return badUsage(fs, "%s", err)
		}
	default:
		return badUsage(fs, "dead %s: want list, show or retry", pos[0])
	}
	if err := c.requireIndex(); err != nil {
		return err
	}
	deps, closeFn, err := pipeline(ctx, c)
	if err != nil {
		return err
	}
	defer closeFn()
	out := json.NewEncoder(os.Stdout)
	switch pos[0] {
	case "list":
		parked, err := bus.ListParked(ctx, deps.JS, 0)
		if err != nil {
			return err
		}
		if c.jsonOut {
			for _, p := range parked {
				// list is a summary; show prints the message itself
				out.Encode(parkedSummary{ParkedMsg: p, Title: parkedTitle(p), Source: parkedSource(p.Data), Data: nil})
			}
			return nil
		}
		if len(parked) == 0 {
			fmt.Println("nothing is parked")
			return nil
		}
		// The reason comes last and whole: its cause is at its end ("extracting …: <cause>").
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tSTAGE\tDOCUMENT\tID\tFILE OR URL\tPARKED\tREASON")
		for _, p := range parked {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Seq, p.Stage, orDash(parkedTitle(p)), p.ID, orDash(parkedSource(p.Data)), p.ParkedAt.Format("2006-01-02 15:04"), oneLine(p.Reason, -1))
		}
		return tw.Flush()
	case "show":
		for _, seq := range seqs {
			p, err := bus.GetParked(ctx, deps.JS, seq)
			if err != nil {
				return err
			}
			if c.jsonOut {
				out.Encode(p)
				continue
			}
			fmt.Printf("seq %d\nstage %s\ndocument %s\nfile or URL %s\nsubject %s\nattempts %d\nparked %s\nreason %s\nmessage %s\n\n",
				p.Seq, p.Stage, p.ID, orDash(parkedSource(p.Data)), p.Subject, p.Attempts, p.ParkedAt.Format("2006-01-02 15:04:05 MST"), p.Reason, oneLine(string(p.Data), 2000))
		}
		return nil
	case "retry":
		if *all {
			parked, lerr := bus.ListParked(ctx, deps.JS, 0)
			if lerr != nil {
				return lerr
			}
			seqs = nil
			for _, p := range parked {
				seqs = append(seqs, p.Seq)
			}
		}
		for _, seq := range seqs {
			if err := bus.RetryParked(ctx, deps.JS, seq); err != nil {
				return err
			}
		}
		fmt.Printf("%s sent back to their stage\n", plural(len(seqs), "parked message"))
		return nil
	}
	return nil
}

func seqArgs(args []string) ([]uint64, error) {
	if len(args) == 0 {
		return nil, errors.New("name the parked messages by their SEQ (see dead list)")
	}
	var out []uint64
	for _, a := range args {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a sequence number", a)
		}
		out = append(out, n)
	}
	return out, nil
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if max >= 0 && len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// parkedSummary is a line of `dead list --json`: the parked message without its body,
// with where the document came from.
type parkedSummary struct {
	bus.ParkedMsg
	Title  string `json:"title,omitempty"`
	Source string `json:"source,omitempty"`
	Data   []byte `json:"data,omitempty"`
}

// parkedSource is where a parked document came from, for people: the file name it was
// ingested under, else its source URL. A parked message is a document (the extractor's)
// or its text (the indexer's), which carries the document.
func parkedSource(data []byte) string {
	var msg struct {
		filing.Document
		Inner *filing.Document `json:"document"`
	}
	if json.Unmarshal(data, &msg) != nil {
		return ""
	}
	doc := msg.Document
	if msg.Inner != nil {
		doc = *msg.Inner
	}
	if doc.Blob != nil && doc.Blob.Name != "" {
		return doc.Blob.Name
	}
	return doc.URL
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parkedTitle names a parked message's document (docmeta.Title), "" when it holds none.
func parkedTitle(p bus.ParkedMsg) string {
	if doc, ok := p.Document(); ok {
		return docmeta.Title(doc)
	}
	return ""
}
