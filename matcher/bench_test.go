package matcher

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/matcher/query"
)

// The benchmarks run on generated but realistic input: about 10 MiB of
// English news prose cut into ~6 KB articles (about 1,000 words each), and
// watches of ten terms each (made-up names of one to four syllables and one
// to three words, some with institutional words such as "Army" or
// "Council", as real entity lists have), one in twenty watches with a
// query that has a prefix term and a NEAR. A third of the terms occur in
// the text: one word in 200 is one of them (about 5 per article; at 10,000
// terms each present term occurs about 2.5 times in the corpus), and the
// dense variant has one in 50 (about 20 per article). The corpus is
// deterministic, so runs compare.

const corpusBytes = 10 << 20

type benchArticle struct{ title, text string }

type benchCorpus struct {
	watches  []Watch
	articles []benchArticle
	bytes    int64
}

type corpusKey struct{ terms, every int }

var (
	corpusMu sync.Mutex
	corpora  = map[corpusKey]*benchCorpus{}
)

// corpus returns the corpus for nTerms terms with one present term every
// `every` words.
func corpus(nTerms, every int) *benchCorpus {
	corpusMu.Lock()
	defer corpusMu.Unlock()
	if c, ok := corpora[corpusKey{nTerms, every}]; ok {
		return c
	}
	rng := rand.New(rand.NewPCG(uint64(nTerms), 7))
	terms := benchTerms(rng, nTerms)
	c := &benchCorpus{watches: benchWatches(rng, terms)}
	var present []string
	for i := 0; i < len(terms); i += 3 {
		present = append(present, terms[i])
	}
	for c.bytes < corpusBytes {
		a := benchArticleText(rng, present, every)
		c.articles = append(c.articles, a)
		c.bytes += int64(len(a.title) + len(a.text))
	}
	corpora[corpusKey{nTerms, every}] = c
	return c
}

var (
	syllables = strings.Fields("al ra qa ha sa kah mi shli tor bel dan zor hol ven dor ta rir sham ko ba nik ul mar zan es tin gor lev" +
		" jas fen hu ir os ped quo rus vil wen xa yor zu bri cha dro fla gri kro pla stra tri vro")
	// stems that watches use as prefixes (detain* and the like)
	stems = strings.Fields("detain transfer repatriat evacuat negotiat sanction airstrik kidnap hostage displac refugee releas prison")
	// institutional words that real entity names share with ordinary text
	institutions = []string{"Army", "Front", "Council", "Brigade", "Ministry", "Forces", "Party", "Movement", "Command", "Authority", "Union", "Committee", "Bank", "Group", "Agency", "Court", "National", "Democratic", "Islamic", "Central"}
	newsWords    = strings.Fields(`the a of to in and on for that with by from at as is was were are has have had said says told
		officials government minister ministry president prime security forces military troops police people
		city town province region country border capital north south east west northern southern attack
		attacks killed wounded injured dead bodies camp camps aid agencies united nations humanitarian
		report reports reported statement spokesperson spokesman according sources local residents week
		month year years day days monday tuesday wednesday thursday friday saturday sunday morning night
		after before during since while but not no more than about over under between against into out up
		down new old former senior deputy leader leaders group groups party parties talks deal agreement
		ceasefire election elections vote voters parliament court judge trial detention border crossing
		convoy trucks food water fuel power electricity economy prices inflation currency bank oil gas
		exports imports trade market markets company companies workers strike protest protesters
		demonstrators crowd streets square rally march would could should will may might must can also only
		just still already again then there here where when who which what how why this these those its
		their his her our they we he she it them us one two three four five six ten hundred thousand million
		billion percent first second last next early late long short high low international foreign domestic
		regional national public private official officially unofficial health hospital hospitals doctors
		medical school schools children women men families family homes houses building buildings destroyed
		damaged rebuilt reconstruction fighting clashes shelling drone drones missile missiles rocket
		rockets weapons arms militants fighters rebels soldiers commander commanders operation operations
		offensive control controlled territory area areas village villages road roads highway bridge airport
		port coast sea river mountains desert weather winter summer flooding`)
	// words the stems match, one word in a hundred
	topicWords = strings.Fields(`detained detainee detainees detention transfer transferred repatriation repatriated
		evacuation evacuated negotiators negotiations sanctions sanctioned airstrike airstrikes kidnapped
		hostage hostages displacement displaced refugee refugees release released prison prisoners`)
)

func capitalize(w string) string { return strings.ToUpper(w[:1]) + w[1:] }

func benchTerms(rng *rand.Rand, n int) []string {
	seen := make(map[string]bool, n)
	terms := make([]string, 0, n)
	for len(terms) < n {
		words := make([]string, 1+rng.IntN(3))
		for k := range words {
			if len(words) > 1 && rng.IntN(4) == 0 {
				words[k] = institutions[rng.IntN(len(institutions))]
				continue
			}
			var b strings.Builder
			for range 2 + rng.IntN(2) + rng.IntN(2) {
				b.WriteString(syllables[rng.IntN(len(syllables))])
			}
			words[k] = capitalize(b.String())
		}
		t := strings.Join(words, " ")
		if k := Normalize(t); !seen[k] {
			seen[k] = true
			terms = append(terms, t)
		}
	}
	return terms
}

// benchWatches groups terms ten by ten; every twentieth watch gets a query
// over its terms (an OR, an AND NOT and a NEAR), as tuned watches have.
func benchWatches(rng *rand.Rand, terms []string) []Watch {
	var watches []Watch
	for i := 0; i < len(terms); i += 10 {
		w := Watch{Name: fmt.Sprintf("w%d", i/10)}
		for _, t := range terms[i:min(i+10, len(terms))] {
			w.Terms = append(w.Terms, Term{Name: t})
		}
		if i/10%20 == 0 && len(w.Terms) >= 4 {
			q := fmt.Sprintf(`("%s" OR "%s") AND NOT "%s" OR "%s" NEAR/10 %s*`,
				w.Terms[0].Name, w.Terms[1].Name, w.Terms[2].Name, w.Terms[3].Name, stems[rng.IntN(len(stems))])
			n, err := query.Parse(q)
			if err != nil {
				panic(fmt.Sprintf("query.Parse(%q): %v", q, err))
			}
			w.Query = n
		}
		watches = append(watches, w)
	}
	return watches
}

// benchArticleText writes one ~6 KB article: sentences of news words with
// punctuation, numbers, possessives, one topic word (which the queries'
// prefixes match) in a hundred words and one present term in `every`.
func benchArticleText(rng *rand.Rand, present []string, every int) benchArticle {
	sentence := func(words int) string {
		var b strings.Builder
		for k := range words {
			if k > 0 {
				b.WriteByte(' ')
			}
			var w string
			switch r := rng.IntN(1000 * every); {
			case r < 1000:
				w = present[rng.IntN(len(present))]
				if rng.IntN(5) == 0 {
					w += "’s"
				}
			case r < 1000+10*every:
				w = topicWords[rng.IntN(len(topicWords))]
			case r < 1000+20*every:
				w = fmt.Sprint(rng.IntN(5000))
			default:
				w = newsWords[rng.IntN(len(newsWords))]
			}
			if k == 0 {
				w = capitalize(w)
			}
			b.WriteString(w)
			if k < words-1 && rng.IntN(12) == 0 {
				b.WriteByte(',')
			}
		}
		b.WriteByte('.')
		return b.String()
	}
	var text strings.Builder
	for text.Len() < 6000 {
		for range 2 + rng.IntN(3) {
			text.WriteString(sentence(10 + rng.IntN(20)))
			text.WriteByte(' ')
		}
		text.WriteString("\n\n")
	}
	return benchArticle{title: strings.TrimSuffix(sentence(8+rng.IntN(6)), "."), text: text.String()}
}

var termCounts = []int{1000, 10000}

// density is the default: one present term in 200 words.
const density = 200

// BenchmarkMatch measures Match over the whole corpus per iteration,
// normalisation, word boundaries, query evaluation, snippets and
// highlights included.
func BenchmarkMatch(b *testing.B) {
	runs := []struct {
		name         string
		terms, every int
	}{
		{"terms=1000", 1000, density},
		{"terms=10000", 10000, density},
		{"terms=10000,dense", 10000, 50},
	}
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			c := corpus(r.terms, r.every)
			m := compile(b, c.watches...)
			b.SetBytes(c.bytes)
			b.ReportAllocs()
			hits := 0
			for b.Loop() {
				hits = 0
				for _, a := range c.articles {
					hits += len(m.Match(a.title, a.text))
				}
			}
			b.ReportMetric(float64(hits)/float64(len(c.articles)), "hits/article")
		})
	}
}

// BenchmarkCompile measures Compile and the heap the compiled dictionary
// holds (HeapAlloc after a GC, before and after).
func BenchmarkCompile(b *testing.B) {
	for _, n := range termCounts {
		b.Run(fmt.Sprintf("terms=%d", n), func(b *testing.B) {
			c := corpus(n, density)
			for b.Loop() {
				compile(b, c.watches...)
			}
			b.StopTimer()
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			m := compile(b, c.watches...)
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(m)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-dict")
		})
	}
}

// BenchmarkNaiveRegexp runs the naive approach, one (?i)\bterm\b regexp per
// spelling, over a small prefix of the corpus (it is far too slow for all
// of it), times Match on the same prefix, and reports how many times slower
// the regexps are.
func BenchmarkNaiveRegexp(b *testing.B) {
	for _, n := range termCounts {
		b.Run(fmt.Sprintf("terms=%d", n), func(b *testing.B) {
			c := corpus(n, density)
			var res []*regexp.Regexp
			for _, w := range c.watches {
				for _, t := range w.Terms {
					res = append(res, regexp.MustCompile(`(?i)\b`+regexp.QuoteMeta(t.Name)+`\b`))
				}
			}
			prefix := c.articles[:max(1, 5000/n)] // ~30 KB at 1k terms, ~6 KB at 10k
			var size int64
			for _, a := range prefix {
				size += int64(len(a.title) + len(a.text))
			}
			for b.Loop() {
				for _, a := range prefix {
					for _, re := range res {
						re.MatchString(a.title)
						re.MatchString(a.text)
					}
				}
			}
			perOp := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(size)/perOp.Seconds()/1e3, "kB/s")
			m := compile(b, c.watches...)
			const rounds = 20
			start := time.Now()
			for range rounds {
				for _, a := range prefix {
					m.Match(a.title, a.text)
				}
			}
			matcher := time.Since(start) / rounds
			b.ReportMetric(float64(perOp)/float64(matcher), "x-slower-than-Match")
		})
	}
}

// BenchmarkTokenize measures folding and word splitting alone.
func BenchmarkTokenize(b *testing.B) {
	c := corpus(1000, density)
	b.SetBytes(c.bytes)
	var z tokenizer
	for b.Loop() {
		for _, a := range c.articles {
			z.reset()
			z.tokenize(a.text)
		}
	}
}

// BenchmarkScan measures tokenizing and dictionary look-ups alone, at
// 10,000 terms, without evaluation or snippets.
func BenchmarkScan(b *testing.B) {
	c := corpus(10000, density)
	m := compile(b, c.watches...)
	b.SetBytes(c.bytes)
	sc := m.getScratch()
	for b.Loop() {
		for _, a := range c.articles {
			sc.cands = sc.cands[:0]
			m.scan(sc, a.title, segTitle)
			m.scan(sc, a.text, segText)
		}
	}
}
