package matcher

import ("testing";"strings";"path/filepath")

func BenchmarkSnippetTmp(b *testing.B) {
	_, text := readArticle(b, filepath.Join("testdata", "golden", "syria_en.txt"))
	hs := strings.Index(text, "Islamic State")
	for b.Loop() {
		snippet(text, hs, hs+13)
	}
}
func BenchmarkTokenizeTmp(b *testing.B) {
	_, text := readArticle(b, filepath.Join("testdata", "golden", "syria_en.txt"))
	var z tokenizer
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		z.reset(); z.tokenize(text)
	}
}
