package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// The screenshot of the web inbox in the README and the testing guide is
// the one the browser tests take (make screenshot writes it, with the
// digest of the page's files in a text chunk): this fails when the page
// changed since, so that the picture never shows a page that is gone.
func TestTheScreenshotShowsThePage(t *testing.T) {
	png, err := os.ReadFile("inbox.png")
	if err != nil {
		t.Fatal(err)
	}
	// The keyword is TestInboxScreenshot's (internal/sandbox/browser).
	digest, found := pngText(png, "otp-sandbox-inbox")
	if !found {
		t.Fatal("inbox.png was not made by the browser tests (no otp-sandbox-inbox text chunk): run make screenshot")
	}
	if want := sandbox.InboxAssetsDigest(); digest != want {
		t.Fatalf("inbox.png shows an older page (digest %s, the page's files are %s): run make screenshot and commit it", digest, want)
	}
	for _, doc := range []string{"../../README.md", "README.md", "../../templates/guides/testing-otp-flows.md.tmpl"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "inbox.png") || !strings.Contains(string(b), "open http://127.0.0.1:8787/") {
			t.Errorf("%s does not show the screenshot and say open http://127.0.0.1:8787/", doc)
		}
	}
}

// pngText is the text of a PNG's tEXt chunk of that keyword.
func pngText(png []byte, keyword string) (string, bool) {
	if len(png) < 8 || !bytes.Equal(png[:8], []byte("\x89PNG\r\n\x1a\n")) {
		return "", false
	}
	for rest := png[8:]; len(rest) >= 12; {
		n := binary.BigEndian.Uint32(rest)
		if uint64(n)+12 > uint64(len(rest)) {
			return "", false
		}
		kind, data := string(rest[4:8]), rest[8:8+n]
		if k, text, ok := bytes.Cut(data, []byte{0}); kind == "tEXt" && ok && string(k) == keyword {
			return string(text), true
		}
		rest = rest[12+n:]
	}
	return "", false
}
