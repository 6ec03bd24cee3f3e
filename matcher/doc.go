// Package matcher finds watched terms (entity names, aliases, keywords) in
// article text. It is pure: no I/O, no clock, no globals, no logging.
//
// # Design
//
// Compile turns every spelling of every term of every watch into a
// sequence of folded tokens and stores all of them in one trie keyed by
// token ids (a dictionary over token sequences, not over characters).
// Match folds the title and the text once each into a token stream, looks
// each token up in the dictionary's vocabulary, and walks the trie from
// every token that can start a spelling. The cost is one map lookup per
// text token plus the length of the spellings actually present, whatever
// the number of watches. The token-id stream is the foundation for a later
// query language and an Aho-Corasick automaton over the same ids.
//
// Within one watch, occurrences are chosen leftmost-longest and do not
// overlap: with terms "al Hol" and "al Hol camp", the text "al Hol camp"
// counts once, for the longer. Watches are independent: a term in several
// watches is reported in each. A spelling shared by two terms of one watch
// is credited to the first of them. A Hit reports, per term, the count of
// occurrences and up to 16 distinct surface forms, exactly as written in
// the title or text.
//
// # Words
//
// A word is a maximal run of letters, marks and digits in any script
// (Unicode categories L, M, N), so terms match whole words only: "ISIS"
// matches neither "crisis", "ISISx" nor "xISIS", and "al Hol" matches
// neither "Al Holmes" nor "whole". An apostrophe between two word runs
// belongs to the word ("Hay'at" is one word, distinct from "Hayat" and
// "Hay at"). A trailing possessive 's is cut off the word, so "CENTCOM’s"
// is the word "centcom" and its surface form is "CENTCOM".
//
// Between words, separators come in three strengths:
//
//   - soft: any whitespace (including no-break spaces and line breaks),
//     hyphens and dashes (- ‐ ‑ ‒ – — ― −, …), quotation marks, and an
//     apostrophe that does not join two word runs;
//   - hard: every other punctuation mark or symbol (. , ; : / ( ) & …),
//     and the end of a cut-off possessive;
//   - break: invalid UTF-8.
//
// Where a spelling has only soft separators between two words, the text
// must have only soft ones too: "al-Hol" = "al Hol" = "al‑Hol" =
// "al\nHol" = "al — Hol", but "Islamic State" does not match "Islamic.
// State". Where a spelling has punctuation, any separator will do there:
// "U.S. Army" matches "U.S. Army", "U. S. Army" and "U S Army", but not
// "US Army" ("US" is one word). Nothing matches across invalid UTF-8, so every surface form
// reported is valid UTF-8 and a substring of the input.
//
// # Folding
//
// Each rune of the text is folded on its own, in this order:
//
//  1. Apostrophes ’ ‘ ‛ ʼ ʻ ʽ ʾ ʿ ′ ´ ` ＇ ｀ become ' (so Hay’at = Hay'at =
//     Hayʼat = Hayʾat).
//  2. Arabic: alef wasla ٱ → ا, alef maqsura ى → ي, teh marbuta ة → ه, and
//     the Farsi forms ی → ي, ک → ك; tatweel ـ is removed. The ى/ي and ة/ه
//     folds follow common Arabic search practice (writers and keyboards
//     use them interchangeably, especially at the end of a word); the
//     price is that a few distinct words conflate, e.g. على "on" and علي
//     "Ali".
//  3. Soft hyphen (U+00AD) and other format characters (joiners, bidi
//     marks) are removed, so "Hasa\u00ADkah" = "Hasakah"; a zero-width space
//     separates.
//  4. Compatibility decomposition (NFKD, golang.org/x/text/unicode/norm),
//     after which nonspacing marks (category Mn) are dropped. This folds
//     diacritics (Ḥasakah = Hasakah, but Raqqa and Raqqah stay different:
//     there is no stemming), ligatures (ﬁ = fi), full-width forms, the
//     hamza forms of alef (أ إ آ → ا), hamza on waw and yeh (ؤ → و, ئ → ي),
//     and Arabic tashkeel/harakat (U+064B–U+065F) and the superscript alef
//     (U+0670).
//  5. Case folding: each letter is mapped to the lower case of its upper
//     case, with ß and ẞ → ss and the Greek iota subscript → ι. This is at
//     least as strong as full Unicode case folding (a test checks every
//     code point against golang.org/x/text/cases.Fold) and also folds the
//     Turkish dotless ı to i, so "Diyarbakır" = "Diyarbakir".
//  6. Decimal digits of every script (Arabic-Indic ٠–٩, Persian ۰–۹, …)
//     become ASCII digits: "٢٠٢٤" = "2024". Digits are word characters,
//     so "F16" is one word and "F-16" two.
//
// Hangul syllables are not decomposed. Arabic clitics are not split: والهول
// does not match الهول (a later issue adds this).
//
// Normalize exposes the folded form of a string (its words joined by single
// spaces); two spellings are the same term when their Normalize results are
// equal and their separators agree as described above.
//
// # Snippets
//
// A Hit's snippet is the sentence around the watch's first occurrence in
// the text, or in the title when it occurs in the title only. A sentence
// ends at . ! ? … ؟ ۔ 。 (optionally followed by closing quotes or
// brackets) followed by whitespace and a character that is not a
// lower-case letter, or at a blank line; a full stop after a single letter
// ("U.S.", "J. Smith") does not end one. Whitespace is collapsed, control
// characters become spaces, and a sentence longer than 300 runes is cut at
// word boundaries around the hit, with "…" marking each cut side.
package matcher
