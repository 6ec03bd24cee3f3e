// Package query parses the query language of a watch's `query:` field into
// a tree (And, Or, Not, Near, Term) that the matcher evaluates. It only
// parses: normalising terms, expanding a term that names an entity into
// its aliases, and matching are the matcher's. It is pure and has no
// dependencies beyond the standard library.
//
// # Grammar
//
//	query    = or .
//	or       = and { "OR" and } .
//	and      = near { [ "AND" ] near } .          (* juxtaposition is AND *)
//	near     = unary [ "NEAR/" distance unary ] . (* operands: see below *)
//	unary    = "NOT" unary | "-" primary | primary .
//	primary  = term | phrase | "(" or ")" | "title:" primary .
//	term     = word [ "*" ] .
//	phrase   = '"' { any rune but '"' } '"' [ "*" ] .
//	word     = a run of runes other than white space, "(", ")" and '"',
//	           that is no operator, does not start with "-" or "title:",
//	           and has no "*" .
//	distance = decimal digits, 1 to 1000 .
//
// Binding, loosest first: OR, AND, NEAR/n, NOT and "-". So
// `a OR b c` is `a OR (b AND c)`, `a NEAR/5 b c` is `(a NEAR/5 b) AND c`,
// and `NOT a b` is `(NOT a) AND b`. AND and OR associate to the left.
// Parse returns exactly this tree; it does not flatten or simplify.
//
// # Decisions
//
//   - Operators are upper case only: AND, OR, NOT, NEAR/n. A lower- or
//     mixed-case and, or, not or near/n is an error that says how to write
//     the operator or quote the word, because `Raqqa or Hasakah` read as
//     three required words would silently miss; `"or"` searches the word
//     and `near` (without /n) is an ordinary word. ANDY, NEARBY and the
//     like are ordinary words; `"AND"` searches the word AND.
//   - NEAR needs its distance: a bare NEAR is an error rather than a
//     hidden default. Its operands are terms, phrases, prefixes or
//     parenthesised ORs of those; NOT, AND or another NEAR inside an
//     operand, and chains like `a NEAR/2 b NEAR/3 c`, are errors at the
//     leftmost offending operator. NOT binds tighter than NEAR, so
//     `NOT a NEAR/5 b` is such an error; write `NOT (a NEAR/5 b)`.
//   - "-" is NOT only at the start of a token and must touch its operand
//     (`-football`, `-"Isis River"`, `-(a OR b)`, `-title:x`): `a - b` and
//     `--x` are errors, and the hyphen inside `al-Hol` is part of the word.
//     A term that really starts with "-" is written in quotes.
//   - "title:" is matched without regard to case, must touch its operand,
//     and marks every leaf inside it TitleOnly: `title:(a -b)` means a in
//     the title and b not in the title. Every other "xxx:" is plain text,
//     so `U.S.:` and `10:30` are words. The default scope is title + text.
//   - "*" makes a prefix only at the end of a bare word or right after a
//     closing quote, where it applies to the phrase's last word. A lone
//     "*" or one inside a word is an error. Inside quotes any rune but '"'
//     is literal (there is no escape), except that a "*" just before the
//     closing quote is an error pointing out where a prefix "*" goes.
//     Phrase text is kept as written, spaces included.
//   - Invalid UTF-8, and control characters other than white space, are
//     errors: they would make terms that silently never match. White space
//     is any Unicode space, line breaks included, so a YAML block scalar
//     may spread a query over lines.
//   - Tokens need no space between them where a parenthesis or a quote
//     separates them: `a(b)"c"` is `a AND b AND "c"`.
//
// # Errors and columns
//
// Every error is an *Error: a column and what was expected, e.g.
// `col 17: expected ")"`. Columns count runes (code points) from 1; an
// error at the end of the query is at one past its last rune. The column
// is where the offending token starts or where the missing thing should
// be, and the leftmost problem is the one reported, whether lexical or
// syntactic. Term.Col is the column of the term's first rune as written:
// its opening quote for a phrase, after any "-" or "title:".
//
// # Limits
//
// A query is at most MaxLength (4096) bytes and MaxDepth (64) levels deep,
// where each "(", NOT, "-" and "title:" opens a level. The parser reads
// each rune once, recurses only per level, and loops over chains of AND,
// OR and NEAR, so parsing is linear and its stack bounded. Trees can still
// be deep along such chains (2,000 ANDs fit in 4096 bytes); a consumer
// that recurses over a tree should expect that depth.
//
// # Canonical form
//
// String renders a tree canonically: operators in upper case, single
// spaces, NOT for "-", AND spelled out, parentheses only where binding or
// left association needs them, phrases in quotes, and title: written on
// each leaf (`title:("al Hol" OR ISIS)` becomes
// `title:"al Hol" OR title:ISIS`). For any tree from Parse,
// Parse(n.String()) gives an equal tree apart from Term.Col, provided the
// rendering fits MaxLength: spelling out ANDs, NOTs and title: can make it
// longer than the query it came from. A hand-built tree whose bare text
// would not read back as the same term is written in quotes.
package query
