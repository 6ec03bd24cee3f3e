// Package crawler finds new articles: it fetches a source's listing (a feed,
// an HTML listing page read with a CSS selector, or a sitemap), asks the
// store which items it has already seen, fetches each new article page and
// extracts its main text.
//
// # Shape
//
// I/O stays at the edge, in Crawl and FetchArticle. Everything that reads
// bytes is a pure function, golden-tested against files in testdata/ and
// fuzzed: parseFeed (gofeed), parseListing (goquery), parseSitemap
// (encoding/xml), ExtractArticle (trafilatura, readability as fallback),
// Canonicalize, IsPublic. Each Crawl builds a fresh colly collector (colly's
// visited set would otherwise make a long-lived collector skip a feed it has
// polled before) with every option pinned, because colly.NewCollector reads
// COLLY_* environment variables. A panic anywhere in a Crawl becomes that
// source's error; the parsers recover too.
//
// # Fetch policy
//
//   - Bodies are decompressed by the crawler, not by net/http or colly, and
//     capped after decompression (Options.MaxBodyBytes, 10 MiB): a longer
//     body fails with "body exceeds 10 MiB" (ErrBodyTooLarge), never
//     truncated. gzip is undone for Content-Encoding and for gzip bytes
//     (sitemap.xml.gz), at most two layers.
//   - Every request (every redirect hop) has a timeout (Source.Timeout,
//     30 s) that starts when the limiter grants its slots and ends when
//     its body is read (RequestTimeoutError); time queued for a slot, a
//     host delay or a robots.txt fetch never counts against it and is
//     bounded by the Crawl's ctx and Source.Budget alone. A listing that
//     gets no slot before the budget ends fails with ErrDeferred: the
//     source was crowded out, it did not fail. Redirects stop after Options.MaxRedirects (5); a
//     loop is reported as such (one redirect of a URL to itself, the cookie
//     dance, is allowed).
//   - Charset is ours (colly's conversion is bypassed): BOM, then a body
//     that is valid UTF-8 with non-ASCII bytes, then the Content-Type
//     charset, then <meta> in the first 1024 bytes (or the XML
//     declaration), then windows-1252 for HTML and UTF-8 for XML. Invalid
//     bytes become U+FFFD. Text is always UTF-8.
//   - Article pages must be HTML, XML or JSON by Content-Type.
//   - robots.txt is honoured unless Source.IgnoreRobots (robots.go): cached
//     per origin for Options.RobotsTTL; a 4xx allows everything; a 5xx or
//     timeout fails that fetch for this run only (never a ban); disallowed
//     articles are skipped and counted (Result.Disallowed), a disallowed
//     listing fails the run. Redirect targets are not re-checked.
//   - Politeness (hostlimit.go): per host at most Options.PerHost requests
//     in flight and the larger of Options.HostDelay and the host's
//     robots.txt Crawl-delay (capped at MaxCrawlDelay, 60 s) between request
//     starts, at most Options.MaxInFlight in all, shared by every Crawl of
//     the Crawler. Both queues serve every waiting listing request (feed,
//     page, sitemap, robots.txt) before any article page, so one pass's
//     backlog never starves other sources' polls; a waiting request costs
//     no goroutine beyond the one that asked. The transport keeps
//     Options.PerHost idle connections per host, so polls reuse them.
//   - A source's crawl state is one crawlstate.FetchState, and the crawler
//     owns it: Crawl takes the one the last Crawl returned (prev) and
//     returns the next. What prev remembers of a listing (validators,
//     discovered feed, sitemap children) is used only when prev.URL is the
//     source's URL, so an edited URL starts afresh. NotBefore, the
//     scheduler's back-off, is carried through untouched. The caller
//     stores the next state after the pass is recorded; after a failed
//     Crawl it is prev.
//   - Listings are fetched conditionally (conditional.go): the state's ETag
//     and LastModified go out as If-None-Match / If-Modified-Since; a
//     304 is Result.NotModified with nothing parsed. The next state keeps
//     the listing's new validators only when every listed item was listed
//     and tried and every failed article given up (no child sitemap
//     failed, no item deferred by the MaxItems cap or the budget, no
//     article still retried): otherwise a 304 would hide those items from
//     every later pass. 429 and 503 carry Retry-After in a *StatusError
//     (RetryAfter).
//   - A failed article is an *ArticleError naming its URL and keys in
//     Result.Errors, not marked seen, so the next pass retries it. The
//     state counts its failures in a row (FetchState.Failing, at most 300
//     articles); after 5 spanning at least an hour (a day when it looks
//     like an outage: 5xx, 408, 425, 429, timeout, network) it is given
//     up (giveup.go): listed in Result.GivenUp, keys only, for the caller
//     to mark seen without text.
//   - A sitemap index that changed does not re-download every child
//     (children.go): FetchState.Children remembers, per child read in full
//     whose every item was handled, its ETag/Last-Modified, the index's
//     <lastmod> for it and its entry count. A child whose lastmod (with a
//     time of day, and not older than the child's own entries) is
//     unchanged is skipped without a request; any other remembered child
//     is fetched conditionally. A skip or a 304 lists nothing new and
//     counts the remembered entries in Result.Items. A child that failed,
//     listed a failed or deferred article, or is itself an index gets no
//     state in FetchState.Children, so the next pass reads it in full.
//   - A "site" source (discover.go) crawls the first feed its page names in
//     <link rel="alternate">, remembered as FetchState.Feed and re-discovered
//     only when it fails.
//
// # Address guard
//
// Links discovered on the web (feed items, listing links, child sitemaps,
// redirect targets) must not reach this machine or its networks, and
// neither may DNS that changes its answer (RELIABILITY.md item 36). The
// source's configured origin is its scheme, host and port exactly, default
// ports made explicit (http 80, https 443); the same host on another port
// or scheme is an ordinary link. The origin is local when its configured
// address is itself refused: a loopback/private literal, or a name
// ("localhost", an intranet name) whose resolution at the crawl's first
// request to it holds refused addresses only. That answer is pinned for
// the crawl: requests to a local origin dial only those addresses and are
// the only requests exempt from the checks below — a local test site
// works, but its links to another port, host or scheme are guarded like
// any. An origin whose first answer holds a public address is guarded on
// every dial, its listing included, so a name that answers public for the
// listing and 127.0.0.1 or 169.254.169.254 later is refused; the Crawler
// remembers it as public, so a later crawl cannot find it local either.
// Every other request is refused with ErrAddressNotAllowed when
//   - its host literally names a refused address, in any spelling
//     (2130706433, 0177.0.0.1, 0x7f.1, [::ffff:127.0.0.1], ...), or is
//     "localhost", before any request; or
//   - its host name resolves to any refused address, checked in the default
//     transport's dialer on the resolved address (and again in the socket's
//     Control hook on the address actually connected), so DNS rebinding
//     cannot slip past.
//
// Refused means !Options.AllowAddr(ip), IsPublic by default. The default
// transport uses no proxy, since a proxy would dial on our behalf. A
// caller-supplied Options.Transport does its own dialing: only the literal
// check applies to it, to every request but those to the exact origin.
//
// # Article identity
//
// Every article is remembered under several keys (news.Article.Keys); the
// first, the lookup key, is known before the page is fetched and is what
// Crawl asks SeenFunc about, so a second pass over an unchanged listing
// fetches no article page. The fallback chain for a listed item:
//
//  1. its link, canonicalised (Canonicalize: lower-case scheme and host, no
//     default port, no fragment or user info, tracking parameters removed,
//     other parameters sorted, empty path "/");
//  2. no link: its GUID, canonicalised, when that is an absolute http(s) URL
//     (and the GUID is then fetched as the link);
//  3. no usable link or GUID URL: "guid:<source>:<guid>";
//  4. no GUID either: "hash:<hex sha256 of title+"\n"+description>".
//
// Items without a fetchable link become articles from the feed's own title
// and content (or description), rendered as text. After a page is fetched,
// the article's ID (and URL) is the page's rel=canonical when that is an
// absolute http(s) URL on the same site (host equal once "www." is ignored)
// and not the site's home page; otherwise the canonicalised URL after
// redirects. Keys are: the lookup key, the canonical URL after redirects and
// the rel=canonical when they differ, and the guid key when the item has a
// GUID. Duplicated GUIDs with different links stay distinct articles (the
// link wins). Two items of one pass that resolve to one ID are merged.
//
// # Extraction
//
// The page is decoded and parsed once with golang.org/x/net/html; the tree
// goes to trafilatura (its whole-page rescue disabled, so navigation,
// sidebars and footers never become Text). Readability always runs on the
// same tree too: trafilatura's lines that readability did not find are
// dropped (the two extractors must agree), unless that would remove over
// half the text; readability or the JSON-LD articleBody replace a short
// result, and when neither finds anything the item fails. General clean-up
// rules then drop promotional lines, lists whose items are all links,
// tag lines (rel="tag"), repeated standfirsts, bylines and reporting
// credits (extract_clean.go). Text has one line per block element; inline markup joins words
// as written, and where an extractor trimmed the space around an inline
// element the page's own text decides. A first line repeating the page's
// title (the <h1>) is dropped: Title carries it, and matching title and text
// must not count the headline twice. Title: the feed's or
// sitemap's, else trafilatura's metadata, og:title, <title>. Published: the
// feed's or sitemap's, else page metadata (article:published_time and
// similar <meta>, JSON-LD datePublished, <time datetime>, trafilatura's
// date), else the feed's updated or the sitemap's lastmod; dates more than a
// day in the future are ignored. Found is Options.Now().
//
// # Limits
//
// One Crawl fetches at most Source.MaxItems (200) article pages; the rest
// are not marked seen and wait for the next pass. The pages taken are the
// oldest new items first (undated last), so a cold start's backlog drains
// in news order over the passes. Sitemap entries older than Source.MaxAge
// (by news publication date, else lastmod) are skipped unfetched; new feed
// items older than it are not fetched either but returned in
// Result.Expired for the caller to mark seen, so they never come back. A sitemap index is followed two levels deep, 50 child
// sitemaps at most. Article pages of one Crawl are fetched Options.PerHost
// at a time; results keep listing order.
//
// A listing under the body cap must not cost memory out of proportion
// (xmllimit.go, RELIABILITY.md items 31-33):
//
//   - A feed is checked in one streaming pass before gofeed sees it: more
//     than 100 levels of nested elements (JSON values), more than 1,000
//     attributes on one element, or more than 100,000 elements and
//     attributes (JSON values) in the entries kept is a *ParseError naming
//     the limit. Atom xhtml content and extension elements count.
//   - A feed or listing page yields its first 10,000 entries; a sitemap
//     source 50,000 over its root and all its children. Entries past that
//     are dropped unread and counted in Result.Truncated: exactly for a
//     feed, a page and each sitemap file read; a child sitemap left unread
//     counts the entries it had when last read, at least one.
//   - Sitemaps are streamed entry by entry (encoding/xml tokens), so a file
//     costs its body and the entries taken, never a tree. A child cut
//     short gets no state (FetchState.Children) and is read again next pass.
//   - An HTML page, listing or article, is checked in one pass of the
//     x/net/html tokenizer before the tree is built (htmllimit.go): more
//     than 256 levels of nested elements, more than 1,000 attributes on
//     one element, or more than 200,000 elements, attributes, texts and
//     comments (75,000 for an article page, whose extractors cost far
//     more per node) is a *ParseError naming the limit (for an article,
//     inside its *ArticleError). The count errs high
//     where tokens cannot tell what the parser builds: it includes the
//     formatting elements (b, a, font, ...) the parser may re-create at
//     each token when a page leaves them open, and every "<" inside text.
//     The largest of 181 real article pages has 8,900 and 51 levels; an
//     archive page of 1,000 teasers 30,000.
//
// Which children of an index are read when the limit cannot take them
// all: entries older than MaxAge never count against it, and a child
// whose index <lastmod> (a bare date read as the end of that day) is older
// than MaxAge is not fetched at all, since a file last changed before the
// cutoff holds no entry after it. The rest are read undated children
// first, in index order (nothing tells their age, and a news sitemap
// often has no lastmod while its archives do), then dated ones newest
// first, whatever order the index lists them in: an index of monthly
// archives listed oldest first still gives its newest month first, and
// the limit cuts the oldest. Children unchanged since they were read in
// full are skipped as before and take nothing from the limit, so the
// passes after move on to the children a pass could not take. The cost
// of the lastmod rule: a child whose index lastmod lags its entries by
// more than MaxAge is not read while it lags.
package crawler
