package matcher

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newshound/newshound/news"
)

// snippetMax is the longest snippet, in runes, ellipses included.
const snippetMax = 300

const ellipsis = "…"

// span is a byte range of a title or text.
type span struct{ start, end int }

// snip is a snippet and the part of the source it shows: text is an
// optional "…", collapse(s[a:b]), and an optional "…" — except for a giant
// hit, which is cut inside.
type snip struct {
	text  string
	a, b  int
	lead  int  // bytes of text before collapse(s[a:b])
	giant bool // the hit itself is cut
	plain bool // s[a:b] is shown as it is (see plain)
}

// plain reports whether collapsing s changes nothing: it has no control
// characters, no whitespace but single ASCII spaces, and no invalid UTF-8.
// It also counts the runes of s. ASCII text is checked eight bytes at a
// time.
func plain(s string) (ok bool, runes int) {
	i, space := 0, false // space: s[i-1] is ' '
	for ; i+8 <= len(s); i += 8 {
		x := load64(s, i)
		if x&msb != 0 {
			break
		}
		sp := zeroBytes(x ^ lsb*' ')
		if atLeast(x, ' ') != msb || zeroBytes(x^lsb*0x7f) != 0 || sp&(sp<<8|boolBit(space)) != 0 {
			return false, 0 // a control character or two spaces in a row
		}
		space = sp>>63 != 0
	}
	runes = i
	for ; i < len(s); i++ {
		runes++
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if n == 1 || isBlank(r) {
				return false, 0 // invalid UTF-8 becomes U+FFFD; any blank a space
			}
			i += n - 1
			continue
		}
		if c < ' ' || c == 0x7f || c == ' ' && i > 0 && s[i-1] == ' ' {
			return false, 0
		}
	}
	return true, runes
}

// zeroBytes sets the high bit of each byte of x that is zero.
func zeroBytes(x uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ^((x&low7 + low7) | x) & msb
}

// boolBit is the high bit of the lowest byte when b is set.
func boolBit(b bool) uint64 {
	if b {
		return 0x80
	}
	return 0
}

// snippet returns the sentence of s around the hit s[hs:he]: whitespace
// collapsed to single spaces, at most snippetMax runes, and when cut, cut
// at spaces and marked with "…".
func snippet(s string, hs, he int) string {
	return strings.Clone(makeSnippet(s, hs, he).text)
}

// makeSnippet builds the snippet around s[hs:he]. The hit's ends must lie
// on non-space runes (a hit starts and ends with a word).
func makeSnippet(s string, hs, he int) snip {
	ss, cutL := sentenceStart(s, hs)
	se, cutR := sentenceEnd(s, he)
	a, b := skipSpace(s, ss, hs), skipSpaceBack(s, he, se)
	if ok, runes := plain(s[a:b]); ok && runes+ellipses(cutL, cutR) <= snippetMax {
		// Common case: nothing to collapse and nothing to cut.
		sn := snip{a: a, b: b, plain: true}
		switch {
		case cutL && cutR:
			sn.text, sn.lead = ellipsis+s[a:b]+ellipsis, len(ellipsis)
		case cutL:
			sn.text, sn.lead = ellipsis+s[a:b], len(ellipsis)
		case cutR:
			sn.text = s[a:b] + ellipsis
		default:
			// Not cloned: Match copies every snippet into one string
			// per call, and snippet clones.
			sn.text = s[a:b]
		}
		return sn
	}
	_, nl := collapsedSize(s[a:hs])
	_, nm := collapsedSize(s[hs:he])
	_, nr := collapsedSize(s[he:b])
	switch {
	case nl+nm+nr+ellipses(cutL, cutR) <= snippetMax:
	case nm > snippetMax-2: // a giant hit: no room for context
		var b strings.Builder
		writeCollapsed(&b, s[hs:he])
		mid := []rune(b.String())
		text := string(mid[:min(len(mid), snippetMax-1)]) + ellipsis
		return snip{text: text, a: hs, b: he, giant: true}
	default:
		avail := snippetMax - nm - 2 // room for both ellipses
		keepR := min(nr, max(avail/2, avail-nl))
		keepL := min(nl, avail-keepR)
		if keepL < nl {
			a, cutL = cutLeft(s, a, hs, nl-keepL), true
		}
		if keepR < nr {
			b, cutR = cutRight(s, he, b, keepR), true
		}
	}
	sn := snip{a: a, b: b}
	n, _ := collapsedSize(s[a:b])
	if cutL {
		sn.lead = len(ellipsis)
	}
	if cutR {
		n += len(ellipsis)
	}
	var buf strings.Builder
	buf.Grow(sn.lead + n)
	if cutL {
		buf.WriteString(ellipsis)
	}
	writeCollapsed(&buf, s[a:b])
	if cutR {
		buf.WriteString(ellipsis)
	}
	sn.text = buf.String()
	return sn
}

func ellipses(l, r bool) int {
	n := 0
	if l {
		n++
	}
	if r {
		n++
	}
	return n
}

// highlights maps the source spans (ordered, not overlapping, inside
// [a, b)) to byte ranges of the snippet text.
func (sn *snip) highlights(s string, spans []span) []news.Span {
	if len(spans) == 0 {
		return nil
	}
	return sn.appendHighlights(make([]news.Span, 0, len(spans)), s, spans)
}

// appendHighlights is highlights appending to out, so that Match can
// gather the highlights of all its hits in one reused buffer.
func (sn *snip) appendHighlights(out []news.Span, s string, spans []span) []news.Span {
	if len(spans) == 0 {
		return out
	}
	if sn.giant {
		end := len(strings.TrimRight(strings.TrimSuffix(sn.text, ellipsis), " "))
		return append(out, news.Span{Start: 0, End: end})
	}
	pos, off := sn.a, sn.lead
	for _, sp := range spans {
		if sp.start < pos || sp.end > sn.b {
			continue
		}
		if sn.plain {
			start := sn.lead + sp.start - sn.a
			out = append(out, news.Span{Start: start, End: start + sp.end - sp.start})
			pos = sp.end
			continue
		}
		n, _ := collapsedSize(s[pos:sp.start])
		start := off + n
		n, _ = collapsedSize(s[sp.start:sp.end])
		off, pos = start+n, sp.end
		out = append(out, news.Span{Start: start, End: off})
	}
	return out
}

// crune is a rune of collapsed text and the source bytes it stands for.
type crune struct {
	r          rune
	start, end int
}

// collapsedRunes appends to out the runes of collapse(s[from:to]) with
// their source ranges.
func collapsedRunes(out []crune, s string, from, to int) []crune {
	for i := from; i < to; {
		r, n := utf8.DecodeRuneInString(s[i:to])
		if isBlank(r) {
			if len(out) > 0 && out[len(out)-1].r == ' ' && out[len(out)-1].end == i {
				out[len(out)-1].end = i + n
			} else {
				out = append(out, crune{' ', i, i + n})
			}
		} else {
			out = append(out, crune{r, i, i + n})
		}
		i += n
	}
	return out
}

// cutBuf is the size of the stack buffers of cutLeft and cutRight: the
// text they cut is at most about snippetMax runes (see sentenceStart), so
// it rarely needs the heap.
const cutBuf = snippetMax + 64

// cutLeft drops the first drop runes of collapse(s[a:hs]), then a partial
// word and spaces, and returns where the kept text starts in s.
func cutLeft(s string, a, hs, drop int) int {
	var buf [cutBuf]crune // on the stack: the cut sides hold about snippetMax runes
	cr := collapsedRunes(buf[:0], s, a, hs)
	kept, before := cr[drop:], cr[drop-1].r
	if before != ' ' && len(kept) > 0 && kept[0].r != ' ' {
		i := 0
		for i < len(kept) && kept[i].r != ' ' {
			i++
		}
		kept = kept[i:]
	}
	for len(kept) > 0 && kept[0].r == ' ' {
		kept = kept[1:]
	}
	if len(kept) == 0 {
		return hs
	}
	return kept[0].start
}

// cutRight keeps the first keep runes of collapse(s[he:b]), less a partial
// word and spaces, and returns where the kept text ends in s.
func cutRight(s string, he, b, keep int) int {
	var buf [cutBuf]crune
	cr := collapsedRunes(buf[:0], s, he, b)
	kept, after := cr[:keep], cr[keep].r
	if after != ' ' && len(kept) > 0 && kept[len(kept)-1].r != ' ' {
		i := len(kept) - 1
		for i >= 0 && kept[i].r != ' ' {
			i--
		}
		kept = kept[:max(i, 0)]
	}
	for len(kept) > 0 && kept[len(kept)-1].r == ' ' {
		kept = kept[:len(kept)-1]
	}
	if len(kept) == 0 {
		return he
	}
	return kept[len(kept)-1].end
}

// isBlank reports whether collapse turns r into a space.
func isBlank(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

func isBlankASCII(c byte) bool { return c <= ' ' || c == 0x7f }

// writeCollapsed writes s with every run of whitespace and control
// characters turned into one space (a leading or trailing one kept) and
// invalid UTF-8 into U+FFFD.
func writeCollapsed(b *strings.Builder, s string) {
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c > ' ' && c < 0x7f {
			// Fast path: a run of printable ASCII.
			j := i + 1
			for j < len(s) && s[j] > ' ' && s[j] < 0x7f {
				j++
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		r, n := rune(c), 1
		if c >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		if isBlank(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if n == 1 && c >= utf8.RuneSelf {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i-n : i])
		}
	}
	if space {
		b.WriteByte(' ')
	}
}

// collapsedSize returns the length of what writeCollapsed writes for s,
// in bytes and in runes, without building it.
func collapsedSize(s string) (bytes, runes int) {
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c > ' ' && c < 0x7f {
			// Fast path: a run of printable ASCII.
			j := i + 1
			for j < len(s) && s[j] > ' ' && s[j] < 0x7f {
				j++
			}
			if space {
				bytes, runes, space = bytes+1, runes+1, false
			}
			bytes, runes, i = bytes+j-i, runes+j-i, j
			continue
		}
		n, w := 1, 1
		if c >= utf8.RuneSelf {
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			w = n
			if n == 1 {
				w = len("\uFFFD")
			} else if isBlank(r) {
				w = 0
			}
		} else if isBlankASCII(c) {
			w = 0
		}
		i += n
		if w == 0 {
			space = true
			continue
		}
		if space {
			bytes, runes, space = bytes+1, runes+1, false
		}
		bytes, runes = bytes+w, runes+1
	}
	if space {
		bytes, runes = bytes+1, runes+1
	}
	return bytes, runes
}

// skipSpace returns the first position in [from, to) that does not start a
// blank rune, or to.
func skipSpace(s string, from, to int) int {
	for from < to {
		r, n := utf8.DecodeRuneInString(s[from:to])
		if !isBlank(r) {
			break
		}
		from += n
	}
	return from
}

// skipSpaceBack returns the end of the last non-blank rune in [from, to),
// or from.
func skipSpaceBack(s string, from, to int) int {
	for to > from {
		r, n := utf8.DecodeLastRuneInString(s[from:to])
		if !isBlank(r) {
			break
		}
		to -= n
	}
	return to
}
