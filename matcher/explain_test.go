package matcher

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/newshound/newshound/internal/golden"
)

// TestExplainGolden formats the explanation of one watch on one article
// per case and compares it with testdata/explain/<case>.txt. Run with
// -update to rewrite the files, then review the diff.
func TestExplainGolden(t *testing.T) {
	isis := Watch{Name: "isis", Terms: []Term{{
		Name:     "ISIS",
		Variants: vs("Islamic State", "داعش"),
		Exclude:  []string{"Isis River", "goddess Isis"},
	}}}
	isisCased := Watch{Name: "isis", Terms: []Term{{
		Name:     "ISIS",
		Variants: []Variant{{Text: "ISIS", CaseSensitive: true}, {Text: "Islamic State"}},
	}}}
	tests := []struct {
		name        string
		watch       Watch
		title, text string
	}{{
		name:  "fires",
		watch: detainees(t, `("al Hol" OR CENTCOM) AND (transfer* OR detainee*) AND NOT football`, 2),
		title: "CENTCOM: detainees leave al-Hol",
		text:  "Detainees were moved from al-Hawl on Monday.\n\nU.S. Central Command said the transfer went well.",
	}, {
		name:  "near-miss",
		watch: detainees(t, `"al Hol" NEAR/5 transfer*`, 0),
		text:  "Families in al-Hol waited for months, then weeks, then days, until finally the transfer began.",
	}, {
		name:  "excluded",
		watch: isis,
		title: "A boat trip on the Isis River",
		text:  "The goddess Isis was worshipped here. Tour guides say Isis is popular. ISIS was never near.",
	}, {
		name:  "case-sensitive",
		watch: isisCased,
		text:  "Tour guides say Isis is popular. ISIS was never near; the Islamic State’s fighters left.",
	}, {
		name:  "excluded-some",
		watch: isis,
		text:  "Rowers trained on the Isis River; a statue of the goddess Isis stands nearby. Isis, they say, smiles.",
	}, {
		name:  "only-not",
		watch: detainees(t, `NOT football`, 0),
		text:  "CENTCOM said the transfer went well.",
	}, {
		name:  "min-mentions",
		watch: detainees(t, `"al Hol" OR CENTCOM`, 3),
		text:  "CENTCOM visited al-Hol.",
	}, {
		name:  "title-scope",
		watch: detainees(t, `title:CENTCOM AND transfer*`, 0),
		title: "Camp news",
		text:  "CENTCOM said the transfer went well.",
	}, {
		name:  "nothing-found",
		watch: detainees(t, "", 0),
		title: "Weather",
		text:  "A whole week of holiday weather in Holmes County.",
	}, {
		name:  "arabic-clitics",
		watch: detainees(t, "", 0),
		text:  "وصلت قافلة إلى مخيم الهول، ثم غادرت والهول هادئ، وعادت بالهول مساءً.",
	}, {
		// Every Han character is a word: positions and NEAR count characters.
		name: "cjk",
		watch: Watch{Name: "zh", Terms: []Term{{Name: "国防部", Variants: vs("國防部")}},
			Query: parse(t, `国防部 NEAR/3 发言人`)},
		title: "国防部就演习答记者问",
		text:  "本周二，国防部新闻发言人表示。國防部發言人亦表示。",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := compile(t, tt.watch)
			e, err := m.Explain(tt.watch.Name, tt.title, tt.text)
			if err != nil {
				t.Fatalf("Explain(%q): %v", tt.watch.Name, err)
			}
			checkExplainMatches(t, m, e, tt.title, tt.text)
			var got bytes.Buffer
			if err := e.Format(&got); err != nil {
				t.Fatalf("Format: %v", err)
			}
			golden.Check(t, filepath.Join("testdata", "explain", tt.name+".txt"), got.Bytes())
		})
	}
}

// checkExplainMatches checks that Explain agrees with Match: it fires
// exactly when Match reports the watch, with the same Hit.
func checkExplainMatches(t *testing.T, m *Matcher, e Explanation, title, text string) {
	t.Helper()
	var hit *Hit
	for _, h := range m.Match(title, text) {
		if h.Watch == e.Watch {
			hit = &h
		}
	}
	if diff := cmp.Diff(hit, e.Hit); diff != "" || e.Fires != (hit != nil) {
		t.Errorf("Explain(%q).Hit, fires %v, differs from Match (-match +explain):\n%s", e.Watch, e.Fires, diff)
	}
}

func TestExplainUnknownWatch(t *testing.T) {
	m := compile(t, detainees(t, "", 0))
	_, err := m.Explain("nope", "", "CENTCOM")
	if err == nil || !strings.Contains(err.Error(), `unknown watch "nope"`) {
		t.Errorf(`Explain("nope") error = %v, want unknown watch "nope"`, err)
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestExplainFormatWriteError(t *testing.T) {
	m := compile(t, detainees(t, "", 0))
	e, err := m.Explain("detainees", "", "CENTCOM")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Format(errWriter{}); err != os.ErrClosed {
		t.Errorf("Format(failing writer) = %v, want %v", err, os.ErrClosed)
	}
}
