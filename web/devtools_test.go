package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// layoutProbe measures the laid-out page: a wider document than the
// viewport means the phone user must scroll sideways. It runs through
// the DevTools protocol, not in the page, so the page's CSP (no scripts)
// stays as it is.
const layoutProbe = `(() => {
  const root = document.documentElement;
  if (!root || !document.body || document.readyState !== 'complete') {
    return JSON.stringify({ready: 'loading', href: location.href});
  }
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > root.clientWidth + 0.5 && wide.length < 10) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' right=' + Math.round(r.right));
    }
  }
  return JSON.stringify({ready: document.readyState, href: location.href, scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth, wide: wide});
})()`

type layout struct {
	Ready       string   `json:"ready"`
	Href        string   `json:"href"`
	ScrollWidth int      `json:"scrollWidth"`
	ClientWidth int      `json:"clientWidth"`
	Wide        []string `json:"wide"`
}

// measureLayout opens pageURL in headless Chromium at width x height and
// returns the probe's result once the document has loaded.
func measureLayout(t *testing.T, bin, pageURL string, width, height int) layout {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, bin,
		"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
		"--user-data-dir="+profile, "--remote-debugging-port=0", "--remote-allow-origins=http://127.0.0.1",
		"about:blank")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()

	// Chromium writes the port it chose into the profile.
	var port string
	for port == "" {
		if ctx.Err() != nil {
			t.Fatalf("Chromium wrote no DevToolsActivePort: %v\n%s", ctx.Err(), stderr.Bytes())
		}
		if raw, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			if line, _, _ := bufio.NewReader(bytes.NewReader(raw)).ReadLine(); len(line) > 0 && strings.Contains(string(raw), "\n") {
				port = string(line)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	wsURL := pageTarget(ctx, t, port)

	cfg, err := websocket.NewConfig(wsURL, "http://127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cfg.DialContext(ctx)
	if err != nil {
		t.Fatalf("connect to Chromium's DevTools: %v", err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	// A headless window is never narrower than 500 px: emulate the phone
	// (mobile, so the viewport meta counts) and only then load the page.
	call(t, conn, 1, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": true})
	call(t, conn, 2, "Page.navigate", map[string]any{"url": pageURL})
	for id := 3; ; id++ {
		var got layout
		if err := json.Unmarshal([]byte(evaluate(t, conn, id, layoutProbe)), &got); err != nil {
			t.Fatalf("layout probe answer: %v", err)
		}
		if got.Ready == "complete" && got.Href == pageURL {
			return got
		}
		if ctx.Err() != nil {
			t.Fatalf("page never finished loading: %v", ctx.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pageTarget returns the DevTools WebSocket URL of the browser's page.
func pageTarget(ctx context.Context, t *testing.T, port string) string {
	t.Helper()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/json/list", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var targets []struct{ Type, URL, WebSocketDebuggerURL string }
			err = json.NewDecoder(resp.Body).Decode(&targets)
			_ = resp.Body.Close()
			for _, tg := range targets {
				if err == nil && tg.Type == "page" && tg.WebSocketDebuggerURL != "" {
					return tg.WebSocketDebuggerURL
				}
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("no page target in Chromium: %v", ctx.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// evaluate runs expression (which must return a string) in the page
// through Runtime.evaluate and returns the string.
func evaluate(t *testing.T, conn *websocket.Conn, id int, expression string) string {
	t.Helper()
	var res struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	raw := call(t, conn, id, "Runtime.evaluate", map[string]any{"expression": expression, "returnByValue": true})
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("Runtime.evaluate answer: %v", err)
	}
	v, ok := res.Result.Value.(string)
	if res.ExceptionDetails != nil || !ok {
		t.Fatalf("Runtime.evaluate failed: exception %v, value %v", res.ExceptionDetails, res.Result.Value)
	}
	return v
}

// call sends one DevTools command and returns its result, skipping the
// events that arrive meanwhile.
func call(t *testing.T, conn *websocket.Conn, id int, method string, params map[string]any) json.RawMessage {
	t.Helper()
	if err := websocket.JSON.Send(conn, map[string]any{"id": id, "method": method, "params": params}); err != nil {
		t.Fatalf("DevTools %s: send: %v", method, err)
	}
	for {
		var msg struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  any             `json:"error"`
		}
		if err := websocket.JSON.Receive(conn, &msg); err != nil {
			t.Fatalf("DevTools %s: receive: %v", method, err)
		}
		if msg.ID != id {
			continue // an event
		}
		if msg.Error != nil {
			t.Fatalf("DevTools %s failed: %v", method, msg.Error)
		}
		return msg.Result
	}
}
