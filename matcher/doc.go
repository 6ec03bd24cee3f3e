// Package matcher finds watched terms (entity names, aliases, keywords) in
// article text and decides, with each watch's query, which watches fire.
// It is pure: no I/O, no clock, no globals, no logging.
//
// # Design
//
// Compile puts every spelling of every term of every watch (aliases,
// exclude phrases and query terms included) into one automaton: a hash
// table of folded words and a byte trie of prefixes turn text words into
// symbols, and a trie over symbols holds the spellings. Match folds the
// title and the text once each, looks each word up once, and walks the
// trie only from words that begin a spelling, never further than the
// longest spelling: the work is linear in the text and does not grow with
// the number of watches. Most of a news text takes a fast path: an ASCII
// word is found, folded and hashed eight bytes at a time without being
// copied, and a bit filter answers for the words that are in no spelling
// (most of them). Then each watch that has occurrences is evaluated on
// its own.
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
// Chinese and Japanese are written without spaces, so every Han ideograph
// (with 々 and 〇), every hiragana and katakana and the prolonged sound mark
// ー is a word of its own: the term 国防部 is the three-word spelling 国 防
// 部 and is found anywhere inside 国防部新闻发言人, and "Trump" is a whole
// word in "Trump表示". Consecutive such words have no separator between
// them, which counts as soft, so 国防部 also matches "国 防 部" but not
// "国防，部". The price is that a short term also matches inside a longer
// word that contains it (中国 inside 中国人); there is no segmentation by
// dictionary. Traditional and simplified characters are not folded into
// each other (list both: 國防部, 国防部), nor are hiragana and katakana. A
// prefix query term ending in such a character (表示*) is the same as
// the term without the star, since the character is a whole word.
// Korean writes spaces between words, so Hangul stays word-based (서울 does
// not match inside 서울에서). Thai, Lao, Khmer and Burmese runs without
// spaces are still one word each.
//
// Between words, separators come in three strengths:
//
//   - soft: any whitespace (including no-break spaces and line breaks),
//     hyphens and dashes (- ‐ ‑ ‒ – — ― −, …), quotation marks, the
//     katakana middle dot ・ (ドナルド・トランプ = ドナルドトランプ), an
//     apostrophe that does not join two word runs, and nothing at all
//     between two Han or kana words;
//   - hard: every other punctuation mark or symbol (. , ; : / ( ) & …),
//     and the end of a cut-off possessive;
//   - break: invalid UTF-8.
//
// Where a spelling has only soft separators between two words, the text
// must have only soft ones too: "al-Hol" = "al Hol" = "al‑Hol" =
// "al\nHol" = "al — Hol", but "Islamic State" does not match "Islamic.
// State". Where a spelling has punctuation, any separator will do there:
// "U.S. Army" matches "U.S. Army", "U. S. Army" and "U S Army", but not
// "US Army" ("US" is one word). Nothing matches across invalid UTF-8, so
// every surface form reported is valid UTF-8 and a substring of the input.
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
//     diacritics in every script: Ḥasakah = Hasakah, Dêr = Der, and Kurdish
//     Latin ş ê î û ç = s e i u c (Qamişlo = Qamishlo does not hold: ş is
//     s, not sh; list both spellings), German ü = u (not ue), Turkish ğ ö ü
//     ş ç = g o u s c. Cyrillic ё = е, as Russian writers use them, and also
//     й = и, ї = і, ў = у (they decompose the same way; the conflation is
//     the price of matching text typed with combining marks exactly like
//     precomposed text). Ligatures (ﬁ = fi), full-width forms, the hamza
//     forms of alef (أ إ آ → ا), hamza on waw and yeh (ؤ → و, ئ → ي),
//     Arabic tashkeel (U+064B–U+065F) and the superscript alef (U+0670)
//     fold too. Raqqa and Raqqah stay different: there is no stemming.
//     One mark is kept: the kana voiced and semi-voiced sound marks (U+3099,
//     U+309A) stay with their kana, because ガス "gas" and カス "dregs"
//     are different words; so ガ (one rune) = ｶﾞ (two half-width runes),
//     but ガ ≠ カ. Compatibility ideographs fold to the unified ones and
//     half-width katakana to full-width ones.
//  5. Case folding: each letter is mapped to the lower case of its upper
//     case, with ß and ẞ → ss and the Greek iota subscript → ι. This is at
//     least as strong as full Unicode case folding (a test checks every
//     code point against golang.org/x/text/cases.Fold); Cyrillic folds by
//     case like any script (Вагнер = ВАГНЕР = вагнер). The Turkish İ
//     decomposes to I and a dot (dropped), and the dotless ı upper-cases to
//     I, so İ ı I i are all i: "Diyarbakır" = "DİYARBAKIR" = "Diyarbakir".
//  6. Decimal digits of every script (Arabic-Indic ٠–٩, Persian ۰–۹, …)
//     become ASCII digits: "٢٠٢٤" = "2024". Digits are word characters,
//     so "F16" is one word and "F-16" two.
//
// Hangul syllables are not decomposed.
//
// Normalize exposes the folded form of a string (its words joined by single
// spaces); two spellings are the same term when their Normalize results are
// equal and their separators agree as described above.
//
// # Attached words
//
// A text word can also be read without what attaches to it; such a
// reading counts only when what remains is a word of some spelling, so
// nothing is stripped from a word unless the rest is a term:
//
//   - Arabic clitics: a word in Arabic script is also read without the
//     conjunctions و ف, then the prepositions ب ك ل, then the article ال
//     (each optional, in that order), and ل + ال written لل is read as ال:
//     والهول, بالهول, فالهول, وبالهول and للهول all match الهول; الحسكة
//     also matches a term written حسكة. At least two letters must remain.
//     The remainder must be a dictionary word, so ولد "boy" only loses its
//     و if لد is a term; that residual risk is accepted.
//   - Elision and case endings: a word with an apostrophe is also read as
//     its part after the last apostrophe when what comes before is at most
//     six letters (French and Italian elision: d'Idlib, l'Armée,
//     dell'Isis), and as its part before the first apostrophe when what
//     follows is at most six letters (Turkish case endings: İdlib'de,
//     Şam'dan).
//
// A reading that drops letters at the front may only start a spelling, one
// that drops letters at the end may only end it: "al Hol" is found in
// "d'al-Hol", "مخيم الهول" in "بمخيم الهول", but "مخيم الهول" not in
// "مخيم والهول" ("camp and al-Hol"). The surface form of a clitic reading
// is the whole word (والهول); that of an elided or suffixed reading leaves
// the apostrophe and what lies beyond it out (Idlib, İdlib).
//
// # Terms and entities
//
// A term is found by its name and every variant (alias). By default a
// spelling matches in any letter case, because newsrooms write "Isis" as
// often as "ISIS"; a variant marked case-sensitive matches only with its
// exact letters after every other fold (an all-caps acronym such as "IS"
// that must not hit the word "is"). The name is searched case-insensitively
// unless it is also listed as a case-sensitive variant. Words without
// cased letters (Arabic, digits) satisfy any case rule.
//
// An exclude phrase of a term cancels each occurrence of the term that it
// covers (starts at or before it and ends at or after it): with ISIS
// excluding "Isis River", "the Isis River" is no hit but "Isis" elsewhere
// is. Exclude phrases match like spellings, in any case. Compile rejects
// an exclude phrase that contains none of its term's spellings.
//
// Within a watch, counted occurrences are chosen leftmost-longest and do
// not overlap: with terms "al Hol" and "al Hol camp", the text "al Hol
// camp" counts once, for the longer. A spelling shared by two terms of one
// watch is credited to the first. Watches are independent: a term in
// several watches is reported in each.
//
// # Queries
//
// A watch without a query fires when any of its terms occurs. A watch with
// a query (package query parses it) fires when the query is true:
//
//   - A query term equal, after normalisation, to the name of one of the
//     watch's entities or keywords stands for that term with all its
//     spellings, case rules and excludes. Any other term, and any prefix
//     term, is matched as written with the same folding: a phrase as a
//     sequence of words, a prefix (detain*) on its last word, which
//     matches every word that starts with it (detain, detained, detainees)
//     after folding. A query term is found on its own even inside a longer
//     occurrence of another term.
//   - title: terms count only occurrences in the title; others count both.
//   - AND, OR and NOT (and -term) are the boolean operators.
//   - a NEAR/n b is true when an occurrence of a and one of b lie at most n
//     words apart in the same field (title or text), in either order:
//     adjacent words are 1 apart, so "al Hol NEAR/1 camp" means next to
//     each other, and overlapping occurrences are 0 apart. In Chinese and
//     Japanese, where every character is a word, the distance counts
//     characters: 国防部 and 发言人 are 3 apart in 国防部新闻发言人.
//     An operand may be an OR of terms; the nearest pair counts.
//   - A query that is true only through NOT (NOT football, or an OR whose
//     only true branch is a NOT) does not fire: a watch needs at least one
//     term found. So a query of only negative terms never fires.
//
// min_mentions N (N > 1) makes a watch fire only when its counted
// occurrences number at least N. Counted are the occurrences of its
// entities and keywords and of its positive query terms; a term that
// appears in the query only under NOT is not counted (and not reported).
//
// Hit.Fired names what made the watch fire: without a query, the first
// term found; with one, the satisfied branch of the query, rendered in
// query syntax: for OR the first true child (one true through a term found
// before one true only through NOT), for AND both sides, NOT as written,
// and NEAR with the two leaves of its nearest pair, e.g.
// `"al Hol" AND transfer* AND NOT football`.
//
// # Snippets and highlights
//
// A Hit's snippet is the sentence around the first occurrence that made
// the watch fire, in the text, or in the title when there is none in the
// text. A sentence ends at . ! ? … ؟ ۔ 。 ！ ？ (optionally followed by
// closing quotes or brackets) followed by whitespace and a character that
// is not a lower-case letter, at 。 ！ ？ (Chinese and Japanese put no
// space after them) followed by any such character, or at a blank line; a full stop after a single letter
// ("U.S.", "J. Smith") does not end one. Whitespace is collapsed, control
// characters become spaces, and a sentence longer than 300 runes is cut at
// word boundaries around the hit, with "…" marking each cut side.
// Highlights are the byte ranges, inside the snippet, of every counted
// occurrence of the watch that the snippet shows.
//
// Explain reports, for one watch and one article, every occurrence of
// every term (field, word position, surface form, spelling), the
// occurrences cancelled by exclude phrases, the places where a
// case-sensitive spelling missed only by letter case, the query evaluated
// node by node with the reason for each value, the mentions against
// min_mentions, and the verdict; Format prints it.
package matcher
