package matcher

import (
	"strings"
	"testing"
)

// TestScanWord checks the fast path against the plain definitions: the
// word ends at the first byte that is not an ASCII letter or digit, and
// its hash is hashWord of its folded bytes, for every byte value around
// words of every length up to 20.
func TestScanWord(t *testing.T) {
	const seed = 42
	for c := range 256 {
		for n := 1; n <= 20; n++ {
			word := strings.Repeat("aB3", 7)[:n]
			for _, s := range []string{word + string(rune(c)), word + string([]byte{byte(c)}) + "xyz1234567", word} {
				j, h := scanWord(seed, s, 0)
				wantJ := 0
				for wantJ < len(s) && asciiFold[s[wantJ]] != 0 {
					wantJ++
				}
				folded := []byte(strings.ToLower(s[:wantJ]))
				if want := hashWord(seed, folded); j != wantJ || h != want {
					t.Fatalf("scanWord(%q) = %d, %x; want %d, %x", s, j, h, wantJ, want)
				}
				var z tokenizer
				z.foldASCII(s, 0, wantJ)
				if got := hashWord(seed, z.buf); got != h {
					t.Fatalf("hashWord(foldASCII(%q)) = %x, want %x (spare capacity read)", s, got, h)
				}
			}
		}
	}
}

// FuzzTokenize checks that the match-mode tokenizer (with its fast path)
// splits and folds exactly like the collect mode that Normalize uses: with
// every word of the text in the dictionary, it must keep every word, with
// the same span, position and separator.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"CENTCOM’s plan for al‑Hol", "a\x10b c\x7fd", "Hay'at d'Idlib İdlib'de", "x's's y''z",
		"Ḥasakah ١٢ F-16 ﬁnance", "a\u00adb c\u200dd e\u200bf", strings.Repeat("abcdefgh", 5) + " é",
		"国防部新闻发言人 Trump表示 iPhone手机 ｶﾞｽ ガス 国'a x国 국방부",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var collect tokenizer
		collect.tokenize(s)
		var words []Term
		for _, tok := range collect.toks {
			if w := string(collect.folded(tok)); !strings.ContainsRune(w, '\'') {
				words = append(words, Term{Name: w})
			}
		}
		if len(words) == 0 {
			return
		}
		m, err := Compile([]Watch{{Name: "w", Terms: words}})
		if err != nil {
			return // a word that is not a valid spelling on its own
		}
		var match tokenizer
		match.dict = m.d
		match.tokenize(s)
		j := 0
		for _, want := range collect.toks {
			if strings.ContainsRune(string(collect.folded(want)), '\'') {
				continue
			}
			for j < len(match.toks) && match.toks[j].idx < want.idx {
				j++
			}
			if j == len(match.toks) {
				t.Fatalf("tokenize(%q): word %d %q not found in match mode", s, want.idx, s[want.start:want.end])
			}
			got := match.toks[j]
			if got.idx != want.idx || got.start != want.start || got.end != want.end || got.gap != want.gap {
				t.Fatalf("tokenize(%q): match mode word %+v, collect mode %+v", s, got, want)
			}
		}
	})
}

// TestPrefixFilter checks that the prefix bitmaps never rule out a word
// that starts with a prefix (maybe on the folded word, mayStart on the
// text, at the end of the text and inside it), for prefixes of one to six
// bytes, and that four bytes tell apart words that share only three with
// a stem.
func TestPrefixFilter(t *testing.T) {
	prefixSets := [][]string{
		{"detain", "repatriat", "hostage"},
		{"sdf", "detain"},
		{"al", "x"},
		{"q"},
	}
	words := []string{"a", "x", "al", "alh", "sdf", "sdfs", "SDFX", "det", "deta", "Detain", "detained", "DETAINEES",
		"repatriated", "report", "reports", "hospital", "hostages", "q", "qa", "quo", "zz", "transfer"}
	for _, set := range prefixSets {
		var p prefixTrie
		next := int32(0)
		for _, w := range set {
			p.intern([]byte(w), func() int32 { next++; return next })
		}
		for _, w := range words {
			folded := strings.ToLower(w)
			want := false
			for _, pre := range set {
				want = want || strings.HasPrefix(folded, pre)
			}
			if got := p.maybe([]byte(folded)); want && !got {
				t.Errorf("prefixes %q: maybe(%q) = %v, want true", set, folded, got)
			}
			for _, s := range []string{w, w + " tail"} {
				if got := p.mayStart(s, 0, len(w)); got != p.maybe([]byte(folded)) {
					t.Errorf("prefixes %q: mayStart(%q, 0, %d) = %v, want maybe = %v", set, s, len(w), got, !got)
				}
			}
		}
	}
	var p prefixTrie
	next := int32(0)
	for _, w := range prefixSets[0] {
		p.intern([]byte(w), func() int32 { next++; return next })
	}
	for _, w := range []string{"report", "hospital", "detention"} {
		if p.maybe([]byte(w)) {
			t.Errorf("prefixes %q: maybe(%q) = true, want false (four bytes differ)", prefixSets[0], w)
		}
	}
}
