package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/news"
)

const testWebhookSecret = "sentinel-webhook-secret-3f9a"

// filler is neutral news prose that makes an article body long enough for
// an extractor to treat it as the main content.
func filler(n int) string {
	paras := []string{
		"Officials said the operation had been planned for several months and involved coordination between several ministries, humanitarian agencies and local authorities in the region.",
		"Aid workers described long queues at the checkpoints, where families waited with their belongings for buses that arrived hours later than scheduled.",
		"The spokesperson declined to give a timetable for the next phase, saying only that the security situation would determine how quickly further movements could take place.",
		"Rights groups have repeatedly called for faster procedures and for independent monitoring of the conditions in which people are held and later resettled.",
	}
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "<p>%s</p>\n", paras[i%len(paras)])
	}
	return b.String()
}

// e2eConfig is the config of the end-to-end tests; %[1]s is the news site,
// %[2]s the webhook receiver, %[3]s the Slack receiver, %[4]s the SMTP
// server and %[5]s the data file.
const e2eConfig = `
data: %[5]s
# one loopback host serves every test page: no politeness delay
crawl: {host_delay: 0s}
defaults:
  schedule: "@every 1h"
  max_age: 72h
  timeout: 10s
sources:
  - name: wire
    feed: %[1]s/rss.xml
  - name: desk
    page: %[1]s/world/
    links: "h2.headline a"
  - name: desk-news
    sitemap: %[1]s/news-sitemap.xml
  - name: arabic
    feed: %[1]s/ar/rss.xml
watches:
  - name: detainees
    entities:
      - name: al Hol
        aliases: [al-Hawl, الهول]
      - name: CENTCOM
        aliases: [U.S. Central Command]
    keywords: [prisoner transfer]
    notify: [hook, team, mail]
  - name: isis
    entities:
      - name: ISIS
        aliases: [Islamic State, ISIL, Daesh]
    sources: [desk]
    notify: [hook]
  - name: transfers
    query: '("al Hol" OR CENTCOM) AND (transfer* OR flights) AND NOT football'
    notify: [hook]
  - name: near
    query: 'families NEAR/5 camp'
    notify: [hook]
notifiers:
  - name: hook
    webhook:
      url: %[2]s/newshound
      secret: ${TEST_WEBHOOK_SECRET}
  - name: team
    slack:
      webhook_url: %[3]s/services/T000/B000/XXXX
  - name: mail
    email:
      smtp: %[4]s
      tls: none
      from: newshound <alerts@example.org>
      to: [desk@example.org]
`

// e2e holds one end-to-end world: the site, the receivers and the config.
type e2e struct {
	site  *testsite.Site
	hook  *testreceiver.HTTP
	slack *testreceiver.HTTP
	mail  *testreceiver.SMTP
	cfg   *config.Config
	path  string
}

func testEnv(name string) (string, bool) {
	if name == "TEST_WEBHOOK_SECRET" {
		return testWebhookSecret, true
	}
	return "", false
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	w := &e2e{site: testsite.NewNews(t), hook: testreceiver.NewWebhook(t), slack: testreceiver.NewSlack(t), mail: testreceiver.NewSMTP(t, 0)}
	dir := t.TempDir()
	w.path = filepath.Join(dir, "newshound.yaml")
	w.writeConfig(t, fmt.Sprintf(e2eConfig, w.site.URL(""), w.hook.URL, w.slack.URL, w.mail.Addr, "newshound.db"))
	cfg, err := config.Load(w.path, testEnv)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	w.cfg = cfg
	return w
}

func (w *e2e) writeConfig(t *testing.T, text string) {
	t.Helper()
	// Write then rename, as editors do, so a watcher never reads half a file.
	tmp := w.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, w.path); err != nil {
		t.Fatal(err)
	}
}

// publishStories fills the site with the articles of the end-to-end test:
// four that must alert, and traps that must not.
func publishStories(site *testsite.Site, now time.Time) {
	hour := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	site.AddStory("/2026/transfer-al-hol.html", "Detainees moved from al-Hol camp",
		`<p>Iraqi families left the al-Hol camp in north-east Syria on Tuesday, officials said.</p>
<p>CENTCOM’s statement confirmed that the flights had been organised with <em>local</em> partners.</p>`+filler(4))
	site.AddStory("/2026/crisis-talks.html", "Crisis talks resume in Geneva",
		`<p>The humanitarian crisis deepened as the whole region braced for winter.</p>
<p>CentComms, a telecoms firm, said its network in the area was restored. Sherlock Holmes fans gathered for the holiday.</p>`+filler(4))
	site.AddStory("/2026/isis-wire.html", "Analysts assess ISIS remnants",
		`<p>Analysts said ISIS cells remain active in the desert, according to a new report.</p>`+filler(4))
	site.AddStory("/2026/old-al-hol.html", "An old story on al Hol",
		`<p>This older story on al Hol camp was published long ago.</p>`+filler(4))
	// The boolean query's NOT cancels this one; detainees still fires.
	site.AddStory("/2026/cup.html", "Cup final in the camp league",
		`<p>The al-Hol football club celebrated the transfer of its new striker before the final.</p>`+filler(4))
	// Both proximity terms, but far apart: the NEAR/5 query does not fire.
	site.AddStory("/2026/families-far.html", "Search resumes at sea",
		`<p>Families of missing fishermen waited for news at the harbour on Monday, while the navy said its search teams would return to their base camp at dawn.</p>`+filler(4))
	site.AddStory("/2026/daesh-raid.html", "Raid on desert hideout",
		`<p>Security forces said they raided a Daesh hideout near the border overnight.</p>`+filler(4))
	site.AddStory("/2026/central-command.html", "Command reviews camp security",
		`<p>The U.S. Central Command said it had reviewed security arrangements at several sites.</p>`+filler(4))
	site.AddStory("/ar/alhol.html", "نقل عائلات من مخيم الهول",
		`<p>قال مسؤولون إن عشرات العائلات غادرت مخيم الهول في شمال شرق سوريا يوم الثلاثاء بعد شهور من الانتظار.</p>
<p>وأضاف المسؤولون أن عمليات النقل ستستمر خلال الأسابيع المقبلة بالتنسيق مع المنظمات الإنسانية والسلطات المحلية في المنطقة.</p>
<p>وتقول منظمات حقوقية إن الظروف في المخيمات ما زالت صعبة وإن هناك حاجة إلى إجراءات أسرع ومراقبة مستقلة.</p>
<p>ولم يحدد المتحدث جدولا زمنيا للمرحلة التالية واكتفى بالقول إن الوضع الأمني سيحدد سرعة التحركات المقبلة.</p>`)
	site.AddStory("/ar/other.html", "أخبار الطقس",
		`<p>توقعت الأرصاد الجوية أمطارا غزيرة على المناطق الساحلية خلال نهاية الأسبوع مع انخفاض في درجات الحرارة.</p>
<p>ودعت السلطات السكان إلى توخي الحذر على الطرق وتجنب المناطق المنخفضة المعرضة للفيضانات.</p>
<p>وقالت إن فرق الطوارئ في حالة تأهب تحسبا لأي طارئ خلال الأيام المقبلة في جميع المحافظات.</p>`)

	site.SetFeed([]testsite.Item{
		{Path: "/2026/transfer-al-hol.html", Title: "Detainees moved from al-Hol camp", Published: hour(1)},
		{Path: "/2026/crisis-talks.html", Title: "Crisis talks resume in Geneva", Published: hour(2)},
		{Path: "/2026/isis-wire.html", Title: "Analysts assess ISIS remnants", Published: hour(3)},
		{Path: "/2026/old-al-hol.html", Title: "An old story on al Hol", Published: hour(24 * 10)},
		{Path: "/2026/cup.html", Title: "Cup final in the camp league", Published: hour(4)},
		{Path: "/2026/families-far.html", Title: "Search resumes at sea", Published: hour(4)},
	})
	site.SetListing([]string{"/2026/daesh-raid.html?utm_source=homepage#comments"})
	site.SetSitemap([]testsite.Item{{Path: "/2026/central-command.html", Title: "Command reviews camp security", Published: hour(2)}})
	site.SetArabic([]testsite.Item{
		{Path: "/ar/alhol.html", Title: "نقل عائلات من مخيم الهول", Published: hour(1)},
		{Path: "/ar/other.html", Title: "أخبار الطقس", Published: hour(1)},
	})
}

func runOnce(t *testing.T, a *App) Summary {
	t.Helper()
	sum, err := a.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	for _, p := range sum.Passes {
		if p.Err != nil {
			t.Errorf("source %s failed: %v", p.Source, p.Err)
		}
		for _, err := range p.ArticleErrors {
			t.Errorf("source %s article error: %v", p.Source, err)
		}
	}
	return sum
}

func webhookIDs(rc *testreceiver.HTTP) []string {
	var ids []string
	for _, a := range rc.Delivered() {
		ids = append(ids, a.Payload["id"].(string))
	}
	slices.Sort(ids)
	return ids
}

// slackTitles returns the fallback text of every Slack message, sorted;
// it is "[watch] title".
func slackTitles(rc *testreceiver.HTTP) []string {
	var out []string
	for _, m := range rc.Payloads() {
		out = append(out, m["text"].(string))
		if m["unfurl_links"] != false {
			out = append(out, "unfurl_links is not false")
		}
	}
	slices.Sort(out)
	return out
}

func mailSubjects(t *testing.T, rc *testreceiver.SMTP) []string {
	t.Helper()
	var out []string
	dec := new(mime.WordDecoder)
	for _, m := range rc.Received() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("parse mail: %v", err)
		}
		subj, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatalf("decode subject: %v", err)
		}
		out = append(out, subj)
	}
	slices.Sort(out)
	return out
}

func TestEndToEnd(t *testing.T) {
	w := newE2E(t)
	now := time.Now().UTC()
	publishStories(w.site, now)
	id := func(watch, path string) string { return news.AlertID(watch, w.site.URL(path)) }

	a, err := New(w.cfg, Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	runOnce(t, a)
	wantIDs := []string{
		id("detainees", "/2026/transfer-al-hol.html"),
		id("detainees", "/2026/central-command.html"),
		id("detainees", "/ar/alhol.html"),
		id("detainees", "/2026/cup.html"),
		id("isis", "/2026/daesh-raid.html"),
		id("transfers", "/2026/transfer-al-hol.html"),
		id("near", "/2026/transfer-al-hol.html"),
	}
	slices.Sort(wantIDs)
	if diff := cmp.Diff(wantIDs, webhookIDs(w.hook)); diff != "" {
		t.Fatalf("webhook alert ids after pass 1 (-want +got):\n%s", diff)
	}
	wantSubjects := []string{
		"[newshound] detainees: Command reviews camp security",
		"[newshound] detainees: Cup final in the camp league",
		"[newshound] detainees: Detainees moved from al-Hol camp",
		"[newshound] detainees: نقل عائلات من مخيم الهول",
	}
	if diff := cmp.Diff(wantSubjects, mailSubjects(t, w.mail)); diff != "" {
		t.Errorf("mail subjects after pass 1 (-want +got):\n%s", diff)
	}
	wantSlack := []string{
		"[detainees] Command reviews camp security",
		"[detainees] Cup final in the camp league",
		"[detainees] Detainees moved from al-Hol camp",
		"[detainees] نقل عائلات من مخيم الهول",
	}
	if diff := cmp.Diff(wantSlack, slackTitles(w.slack)); diff != "" {
		t.Errorf("slack messages after pass 1 (-want +got):\n%s", diff)
	}
	checkWebhookPayload(t, w, now)
	articleFetches := w.site.Hits("/2026/transfer-al-hol.html")

	// Pass 2 over unchanged sources: nothing new, no article page fetched.
	runOnce(t, a)
	if got := w.site.Hits("/2026/transfer-al-hol.html"); got != articleFetches {
		t.Errorf("article fetched %d times after pass 2, want %d (no refetch of seen articles)", got, articleFetches)
	}
	// The feed's article appears on the listing page under a tracking
	// parameter: fetched for that source, but no second alert.
	w.site.AddToListing("/2026/transfer-al-hol.html?utm_campaign=world")
	runOnce(t, a)
	if got := len(w.hook.Delivered()); got != len(wantIDs) {
		t.Errorf("webhook deliveries after passes 2 and 3 = %d, want %d", got, len(wantIDs))
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// A new App on the same database: still nothing new.
	b, err := New(w.cfg, Options{})
	if err != nil {
		t.Fatalf("New (restart): %v", err)
	}
	defer b.Close()
	runOnce(t, b)
	if got := len(w.hook.Delivered()); got != len(wantIDs) {
		t.Errorf("webhook deliveries after restart = %d, want %d", got, len(wantIDs))
	}

	// An article added later alerts once on every channel of its watch.
	w.site.AddStory("/2026/late-al-hawl.html", "Returns from al-Hawl resume",
		`<p>Returns from al-Hawl resumed on Friday after a pause of two weeks.</p>`+filler(4))
	w.site.AddToFeed(testsite.Item{Path: "/2026/late-al-hawl.html", Title: "Returns from al-Hawl resume", Published: now})
	runOnce(t, b)
	runOnce(t, b)
	wantIDs = append(wantIDs, id("detainees", "/2026/late-al-hawl.html"))
	slices.Sort(wantIDs)
	if diff := cmp.Diff(wantIDs, webhookIDs(w.hook)); diff != "" {
		t.Errorf("webhook alert ids at the end (-want +got):\n%s", diff)
	}
	if got := len(w.slack.Payloads()); got != 5 {
		t.Errorf("slack messages at the end = %d, want 5", got)
	}
	if got := len(w.mail.Received()); got != 5 {
		t.Errorf("mails at the end = %d, want 5", got)
	}
	checkMail(t, w.mail.Received()[0])
}

// checkWebhookPayload checks the alert on the al-Hol article field by field
// and verifies its Standard Webhooks signature independently.
func checkWebhookPayload(t *testing.T, w *e2e, now time.Time) {
	t.Helper()
	url := w.site.URL("/2026/transfer-al-hol.html")
	wantID := news.AlertID("detainees", url)
	var got *testreceiver.Request
	for _, a := range w.hook.Delivered() {
		if a.Payload["id"] == wantID {
			got = &a
		}
	}
	if got == nil {
		t.Fatalf("no webhook delivery with id %s", wantID)
	}
	p := got.Payload
	published := now.Add(-time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	for key, want := range map[string]any{
		"id": wantID, "watch": "detainees", "source": "wire", "url": url,
		"title": "Detainees moved from al-Hol camp", "published": published, "fired": "al Hol",
		"snippet_marked": "Iraqi families left the «al-Hol» camp in north-east Syria on Tuesday, officials said.",
	} {
		if p[key] != want {
			t.Errorf("webhook payload %s = %v, want %v", key, p[key], want)
		}
	}
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(p["found"])); err != nil {
		t.Errorf("webhook payload found = %v: %v", p["found"], err)
	}
	wantMatches := []any{
		map[string]any{"term": "al Hol", "seen": []any{"al-Hol"}, "count": float64(2)}, // title and text
		map[string]any{"term": "CENTCOM", "seen": []any{"CENTCOM"}, "count": float64(1)},
	}
	if diff := cmp.Diff(wantMatches, p["matches"]); diff != "" {
		t.Errorf("webhook payload matches (-want +got):\n%s", diff)
	}
	if s, _ := p["snippet"].(string); !strings.Contains(s, "al-Hol camp") {
		t.Errorf("webhook payload snippet = %q, want the sentence around al-Hol", s)
	}
	checkFired(t, w, "transfers", `"al Hol" AND flights AND NOT football`)
	checkFired(t, w, "near", "families NEAR/5 camp")
	if k := got.Header.Get("Idempotency-Key"); k != wantID {
		t.Errorf("Idempotency-Key = %q, want %q", k, wantID)
	}
	if k := got.Header.Get("webhook-id"); k != wantID {
		t.Errorf("webhook-id = %q, want %q", k, wantID)
	}
	signed := wantID + "." + got.Header.Get("webhook-timestamp") + "." + string(got.Body)
	mac := hmac.New(sha256.New, []byte(testWebhookSecret))
	mac.Write([]byte(signed))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if sig := got.Header.Get("webhook-signature"); sig != want {
		t.Errorf("webhook-signature = %q, want %q", sig, want)
	}
}

// checkFired checks which query branch the webhook names for the watch's
// alert on the al-Hol article.
func checkFired(t *testing.T, w *e2e, watch, want string) {
	t.Helper()
	id := news.AlertID(watch, w.site.URL("/2026/transfer-al-hol.html"))
	for _, a := range w.hook.Delivered() {
		if a.Payload["id"] == id {
			if a.Payload["fired"] != want {
				t.Errorf("%s alert fired = %v, want %q", watch, a.Payload["fired"], want)
			}
			return
		}
	}
	t.Errorf("no %s alert on the al-Hol article", watch)
}

// checkMail checks the structure of one delivered e-mail.
func checkMail(t *testing.T, m testreceiver.Message) {
	t.Helper()
	if m.From != "alerts@example.org" || !slices.Equal(m.To, []string{"desk@example.org"}) {
		t.Errorf("envelope = %q → %q, want alerts@example.org → [desk@example.org]", m.From, m.To)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("parse mail: %v", err)
	}
	if id := msg.Header.Get("Message-Id"); !strings.Contains(id, "nh_") {
		t.Errorf("Message-ID = %q, want one derived from the alert id", id)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		types = append(types, ct)
	}
	if !slices.Equal(types, []string{"text/plain", "text/html"}) {
		t.Errorf("mail parts = %q, want [text/plain text/html]", types)
	}
}

func TestWebhook503TwiceThenAccepted(t *testing.T) {
	w := newE2E(t)
	clock := testclock.New(time.Now().UTC())
	publishStories(w.site, clock.Now())
	w.hook.FailNext(2, http.StatusServiceUnavailable)
	var logs testlog.Buffer
	a, err := New(w.cfg, Options{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()
	for range 4 {
		runOnce(t, a)
		clock.Advance(2 * time.Hour) // past any backoff
	}
	want := news.AlertID("detainees", w.site.URL("/2026/transfer-al-hol.html"))
	var attempts []string
	for _, at := range w.hook.Requests() {
		if at.Payload["id"] == want {
			attempts = append(attempts, fmt.Sprintf("%d %s %s", at.Status, at.Header.Get("Idempotency-Key"), at.Header.Get("webhook-id")))
		}
	}
	delivered := 0
	for _, at := range w.hook.Delivered() {
		if at.Payload["id"] == want {
			delivered++
		}
	}
	if delivered != 1 {
		t.Errorf("alert %s delivered %d times, want 1; attempts: %q", want, delivered, attempts)
	}
	for _, at := range attempts {
		if !strings.HasSuffix(at, want+" "+want) {
			t.Errorf("attempt %q does not carry the alert id %s in both headers", at, want)
		}
	}
	if got := len(w.hook.Delivered()); got != 7 {
		t.Errorf("webhook deliveries = %d, want 7 (every alert once)", got)
	}
	if got := len(w.hook.Requests()); got != 9 {
		t.Errorf("webhook attempts = %d, want 9 (two 503s, then seven deliveries)", got)
	}
	if !strings.Contains(logs.String(), "503") {
		t.Errorf("the 503 answers were not logged:\n%s", logs.String())
	}
	for _, secret := range []string{testWebhookSecret, w.hook.URL + "/newshound", "/services/T000/B000/XXXX"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains the secret %q:\n%s", secret, logs.String())
		}
	}
}
