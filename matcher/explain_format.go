package matcher

import (
	"fmt"
	"io"
	"strings"

	"github.com/newshound/newshound/news"
)

// Format writes the explanation as the plain-text report `newshound
// explain` prints: the watch, each term with every place it was found (or
// excluded, or missed for letter case), the query evaluated node by node,
// the mentions against min_mentions, the verdict, and the snippet with the
// hits marked « ».
func (e Explanation) Format(w io.Writer) error {
	p := &printer{w: w}
	p.printf("watch   %s\n", e.Watch)
	if e.Query != "" {
		p.printf("query   %s\n", e.Query)
	}
	if e.MinMentions > 1 {
		p.printf("min_mentions %d\n", e.MinMentions)
	}
	p.printf("\nterms\n")
	for _, t := range e.Terms {
		p.term(t)
	}
	if e.Eval != nil {
		p.printf("\nquery evaluation\n")
		p.node(*e.Eval, 1)
	}
	p.printf("\nmentions %d", e.Mentions)
	if e.MinMentions > 1 {
		p.printf(" (min_mentions %d)", e.MinMentions)
	}
	p.printf("\nverdict  %s\n", e.Verdict)
	if e.Hit != nil {
		p.printf("snippet  %s\n", markSpans(e.Hit.Snippet, e.Hit.Highlights, "«", "»"))
	}
	return p.err
}

// printer writes with fmt and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) term(t TermReport) {
	var notes []string
	if t.FromQuery {
		notes = append(notes, "query term")
	}
	if !t.Counted {
		notes = append(notes, "only under NOT, not counted")
	}
	head := t.Name
	if len(notes) > 0 {
		head += " (" + strings.Join(notes, ", ") + ")"
	}
	if len(t.Found) == 0 {
		p.printf("  %s: not found\n", head)
	} else {
		p.printf("  %s: %s\n", head, plural(len(t.Found), "occurrence"))
	}
	for _, o := range t.Found {
		p.printf("    %s %q", where(o), o.Seen)
		if o.Spelling != "" && o.Spelling != o.Seen {
			p.printf(" (spelling %q)", o.Spelling)
		}
		if !o.Counted {
			p.printf(", inside another term's occurrence: not counted")
		}
		p.printf("\n")
	}
	for _, x := range t.Excluded {
		p.printf("    excluded: %s %q, inside %q (exclude %q)\n", where(x.Occurrence), x.Seen, x.Cover, x.Phrase)
	}
	for _, c := range t.CaseMisses {
		p.printf("    case: %s %q does not match the case-sensitive spelling %q\n", where(c), c.Seen, c.Spelling)
	}
}

func where(o Occurrence) string { return fmt.Sprintf("%s word %d", o.Field, o.Word) }

func (p *printer) node(n NodeReport, depth int) {
	p.printf("%s%-5v  %s  — %s\n", strings.Repeat("  ", depth), n.Value, n.Expr, n.Why)
	for _, k := range n.Children {
		p.node(k, depth+1)
	}
}

// markSpans returns s with each span wrapped in open and close. Spans that are
// out of order, overlap an earlier one, lie outside s or do not fall on
// UTF-8 boundaries are skipped, so untrusted spans cannot garble the text.
func markSpans(s string, spans []news.Span, open, close string) string {
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		if sp.Start < at || sp.End <= sp.Start || sp.End > len(s) || !boundaryOK(s, sp.Start) || !boundaryOK(s, sp.End) {
			continue
		}
		b.WriteString(s[at:sp.Start])
		b.WriteString(open)
		b.WriteString(s[sp.Start:sp.End])
		b.WriteString(close)
		at = sp.End
	}
	b.WriteString(s[at:])
	return b.String()
}

func boundaryOK(s string, i int) bool {
	return i == len(s) || i >= 0 && i < len(s) && (s[i] < 0x80 || s[i] >= 0xC0)
}
