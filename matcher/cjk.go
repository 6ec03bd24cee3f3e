package matcher

import (
	"unicode"
	"unicode/utf8"
)

// Chinese and Japanese are written without spaces between words, and a
// matcher cannot know where a word ends without a dictionary of the
// language (which would make matching depend on the segmenter's guesses).
// So every Han ideograph and every kana is a word of its own: a term 国防部
// is the spelling 国 防 部 and is found anywhere inside 国防部新闻发言人. The
// price is that a short term also matches inside a longer word that
// happens to contain it (中国 inside 中国人), which is what users of CJK
// search expect anyway. Korean writes spaces between words, so Hangul
// stays word-based.

// isCJK reports whether r is a word of its own: a Han ideograph (with 々
// and 〇), hiragana or katakana, or the prolonged sound mark ー, which is
// part of katakana words although Unicode files it under no script.
func isCJK(r rune) bool {
	if r < 0x2E80 {
		return false // below every Han and kana block: the fast answer
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || r == '\u30FC'
}

// isKanaMark reports whether r is the combining (dakuten) voiced or
// semi-voiced (handakuten) sound mark. NFKD splits ガ into カ and U+3099;
// dropping the mark like an accent would fold ガス "gas" into カス
// "dregs" and バス "bus" into ハス "lotus", so the mark stays with its kana.
func isKanaMark(r rune) bool { return r == '\u3099' || r == '\u309A' }

// cjkRune emits r as a word of its own.
func (z *tokenizer) cjkRune(r rune) {
	z.finish()
	z.wordRune(r)
	z.cjk = true
}

// kanaMark appends a voiced sound mark to the open kana word (an accent
// anywhere else vanishes like any nonspacing mark). Half-width ｶﾞ (two
// runes) thus folds like ガ (one rune), and the word spans both runes.
func (z *tokenizer) kanaMark(r rune) {
	if z.cjk {
		z.buf = utf8.AppendRune(z.buf, r)
		z.cur.end = z.end
	}
}
