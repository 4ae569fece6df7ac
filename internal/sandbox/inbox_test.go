package sandbox

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The page and its files are served with headers that keep them to
// themselves, revalidated on every load; nothing else is served under
// /inbox/, and the page is at / alone.
func TestInboxPageIsServed(t *testing.T) {
	e := newEnv(t)
	get := func(path string, header map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", e.hs.URL+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for path, typ := range map[string]string{
		"/": "text/html; charset=utf-8", "/inbox/inbox.js": "text/javascript; charset=utf-8", "/inbox/md5.js": "text/javascript; charset=utf-8",
		"/inbox/api.js": "text/javascript; charset=utf-8", "/inbox/inbox.css": "text/css; charset=utf-8", "/inbox/icon.svg": "image/svg+xml",
	} {
		resp := get(path, nil)
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Type") != typ || h.Get("Content-Security-Policy") != pageCSP ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Cache-Control") != "no-cache" || h.Get("ETag") == "" || h.Get("Set-Cookie") != "" {
			t.Errorf("GET %s: %d %v", path, resp.StatusCode, h)
		}
		if again := get(path, map[string]string{"If-None-Match": h.Get("ETag")}); again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s again: %d", path, again.StatusCode)
		}
		// Whole files only, as the document says: a range is served whole.
		if part := get(path, map[string]string{"Range": "bytes=0-9"}); part.StatusCode != http.StatusOK || part.ContentLength < 11 {
			t.Errorf("GET %s, a range: %d, %d bytes", path, part.StatusCode, part.ContentLength)
		}
		if stale := get(path, map[string]string{"If-Match": `"another"`}); stale.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("GET %s, If-Match another: %d", path, stale.StatusCode)
		}
	}
	for _, path := range []string{"/inbox/index.html", "/inbox/nothing.js", "/inbox/", "/index.html", "/nothing"} {
		if resp := get(path, nil); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
	if status, _, _ := e.controlAuth("", "POST", "/", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", status)
	}
}

// The CSP forbids inline script and style, and anything from elsewhere:
// the files hold none, so the page works under it; the browser tests see
// it run without a violation.
func TestInboxFilesKeepToThePolicy(t *testing.T) {
	html := string(pageAssets["index.html"].body)
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(html, -1) {
		if !strings.Contains(tag, ` src="/inbox/`) {
			t.Errorf("index.html has an inline script: %s", tag)
		}
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)\son[a-z]+\s*=`), // an inline handler
		regexp.MustCompile(`(?i)\sstyle\s*=`),    // an inline style
		regexp.MustCompile(`(?i)<style`),
		regexp.MustCompile(`(?i)javascript:`),
	} {
		if m := bad.FindString(html); m != "" {
			t.Errorf("index.html has %q, which the CSP refuses", m)
		}
	}
	// Every file the page names is served, and every file served is named
	// (by the page, or by a script that imports it).
	named := map[string]bool{"index.html": true}
	ref := regexp.MustCompile(`(?:src|href)="/inbox/([^"]+)"|from '\./([^']+)'`)
	for name, a := range pageAssets {
		for _, m := range ref.FindAllStringSubmatch(string(a.body), -1) {
			file := m[1] + m[2]
			if _, found := pageAssets[file]; !found {
				t.Errorf("%s names %s, which is not served", name, file)
			}
			named[file] = true
		}
	}
	for name := range pageAssets {
		if !named[name] {
			t.Errorf("%s is served but nothing uses it", name)
		}
	}
	// Nothing from elsewhere: no address but the page's own.
	external := regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for name, a := range pageAssets {
		text := string(a.body)
		if name == "icon.svg" { // its XML name space is a name, not a request
			text = strings.Replace(text, `xmlns="http://www.w3.org/2000/svg"`, "", 1)
		}
		if m := external.FindAllString(text, -1); len(m) > 0 {
			t.Errorf("%s names other addresses: %v", name, m)
		}
	}
	if len(pageAssets) != 6 {
		t.Errorf("the page has %d files: a new one needs its type (pageTypes) and a place in this test", len(pageAssets))
	}
}
