package matcher

import (
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"github.com/newshound/newshound/news"
)

// TestCJKFires checks that Han and kana terms match inside unspaced text,
// and only where all their characters stand in order.
func TestCJKFires(t *testing.T) {
	tests := []struct {
		term []string // Name, then variants
		text string
		want bool
	}{
		{[]string{"国防部"}, "国防部新闻发言人表示", true},
		{[]string{"国防部"}, "本周二，国防部新闻发言人在例行记者会上表示。", true},
		{[]string{"发言人"}, "国防部新闻发言人表示", true},
		{[]string{"国防部"}, "国防新闻部表示", false},    // not contiguous
		{[]string{"国防部"}, "国防，部队表示", false},    // punctuation between
		{[]string{"国防部"}, "国防部", true},         // the whole text
		{[]string{"國防部"}, "国防部新闻发言人表示", false}, // traditional ≠ simplified: list both
		{[]string{"国防部", "國防部"}, "國防部發言人表示", true},
		{[]string{"国防部"}, "国 防 部", true}, // spaces inside a CJK term are soft
		// Japanese: katakana and kanji in a sentence, mixed with kana.
		{[]string{"トランプ"}, "トランプ大統領は記者団に語った。", true},
		{[]string{"トランプ"}, "ドナルド・トランプ氏が", true},
		{[]string{"ドナルド・トランプ"}, "ドナルドトランプ氏が", true}, // ・ is soft
		{[]string{"トランプ"}, "トラ", false},
		{[]string{"ガス"}, "ガス田を攻撃した", true},
		{[]string{"ガス"}, "ｶﾞｽ田を攻撃した", true}, // half-width kana with a separate dakuten
		{[]string{"ガス"}, "カス", false},       // the voiced mark is kept
		{[]string{"防衛省"}, "防衛省によると", true},
		{[]string{"によると"}, "防衛省によると", true},
		// Mixed Latin and Han: a Latin word ends where Han begins.
		{[]string{"Trump"}, "Trump表示", true},
		{[]string{"Trump"}, "美国总统Trump表示", true},
		{[]string{"iPhone 手机"}, "新款iPhone手机发布", true},
		{[]string{"iPhone"}, "新款iPhones手机发布", false},
		{[]string{"北约"}, "NATO北约", true},
		{[]string{"ISIS"}, "ISIS组织", true},
		// Hangul stays word-based: Korean writes spaces between words.
		{[]string{"서울"}, "서울 시내", true},
		{[]string{"서울"}, "서울에서", false},
	}
	for _, tt := range tests {
		m := compile(t, Watch{Name: "w", Terms: []Term{{Name: tt.term[0], Variants: vs(tt.term[1:]...)}}})
		if got := m.Match("", tt.text) != nil; got != tt.want {
			t.Errorf("Match(%q) with term %q fired = %v, want %v", tt.text, tt.term, got, tt.want)
		}
		if got := m.Match(tt.text, "") != nil; got != tt.want {
			t.Errorf("Match(title %q) with term %q fired = %v, want %v", tt.text, tt.term, got, tt.want)
		}
	}
}

// TestCJKHits checks surface forms, counts and highlights: they cover the
// original characters exactly.
func TestCJKHits(t *testing.T) {
	w := Watch{Name: "zh", Terms: []Term{{Name: "国防部"}, {Name: "ガス", Variants: vs("Gas")}}}
	m := compile(t, w)
	got := markHits(m.Match("国防部就演习答记者问", "本周二，国防部新闻发言人表示ｶﾞｽ田和GAS管道安全。"))
	want := []Hit{{
		Watch: "zh",
		Matches: []news.Match{
			{Term: "国防部", Seen: []string{"国防部"}, Count: 2},
			{Term: "ガス", Seen: []string{"ｶﾞｽ", "GAS"}, Count: 2},
		},
		Fired:   "国防部",
		Snippet: "本周二，«国防部»新闻发言人表示«ｶﾞｽ»田和«GAS»管道安全。",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Match mismatch (-want +got):\n%s", diff)
	}
}

// TestCJKSnippet checks that a full-width terminator ends a sentence
// without a space after it.
func TestCJKSnippet(t *testing.T) {
	m := compile(t, Watch{Name: "zh", Terms: []Term{{Name: "国防部"}}})
	tests := []struct{ text, want string }{
		{"演习将持续到本周末。国防部新闻发言人表示，不针对任何第三方。其他内容。", "«国防部»新闻发言人表示，不针对任何第三方。"},
		{"他说：「演习结束了！」国防部表示欢迎？是的。", "«国防部»表示欢迎？"},
		{"国防部发言人表示，演习结束", "«国防部»发言人表示，演习结束"},
	}
	for _, tt := range tests {
		hits := markHits(m.Match("", tt.text))
		if len(hits) != 1 || hits[0].Snippet != tt.want {
			t.Errorf("Match(%q) = %+v, want one hit with snippet %q", tt.text, hits, tt.want)
		}
	}
}

// TestCJKNear checks that NEAR counts Han and kana characters as words.
func TestCJKNear(t *testing.T) {
	tests := []struct {
		query, text string
		want        bool
	}{
		{`国防部 NEAR/1 发言人`, "国防部发言人表示", true},
		{`国防部 NEAR/2 发言人`, "国防部新发言人表示", true},
		{`国防部 NEAR/1 发言人`, "国防部新发言人表示", false},
		{`国防部 NEAR/3 发言人`, "国防部新闻发言人表示", true}, // 新 闻 between: 3 apart
		{`国防部 NEAR/2 发言人`, "国防部新闻发言人表示", false},
		{`CENTCOM NEAR/2 发言人`, "CENTCOM的发言人表示", true},
		{`发言*`, "国防部发言人表示", true}, // a prefix: 发 then a word starting with 言
		{`发言*`, "国防部发表", false},
	}
	for _, tt := range tests {
		w := Watch{Name: "w", Terms: []Term{{Name: "unused"}}, Query: parse(t, tt.query)}
		m := compile(t, w)
		if got := m.Match("", tt.text) != nil; got != tt.want {
			t.Errorf("Match(%q) with query %q fired = %v, want %v", tt.text, tt.query, got, tt.want)
		}
	}
}

// TestCJKNormalize checks the keys of CJK spellings: one word per
// character, Hangul whole.
func TestCJKNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"国防部", "国 防 部"},
		{"国防部新闻发言人", "国 防 部 新 闻 发 言 人"},
		{"Trump表示", "trump 表 示"},
		{"iPhone手机", "iphone 手 机"},
		{"ドナルド・トランプ", "ド ナ ル ド ト ラ ン プ"},
		{"コンピューター", "コ ン ピ ュ ー タ ー"},
		{"ｶﾞｽ", "ガ ス"},
		{"国'a", "国 a"},
		{"佐々木", "佐 々 木"},
		{"서울에서 회의", "서울에서 회의"},
		{"\uF900", "\u8C48"}, // compatibility ideograph → unified
	}
	for _, tt := range tests {
		tt.want = kanaNFD(tt.want)
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Normalize(Normalize(tt.in)); got != Normalize(tt.in) {
			t.Errorf("Normalize(Normalize(%q)) = %q, want it idempotent", tt.in, got)
		}
	}
}

// kanaNFD decomposes the kana of s: keys keep a kana's voiced mark as a
// separate rune (ガ is カ U+3099).
func kanaNFD(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
			b.WriteString(norm.NFD.String(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
