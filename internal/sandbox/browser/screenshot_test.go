package browser

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// ScreenshotKeyword names the PNG text chunk that records which page a
// screenshot shows: the digest of the page's files
// (sandbox.InboxAssetsDigest). otp-sandbox's tests hold the committed
// screenshot to the page by it.
const ScreenshotKeyword = "otp-sandbox-inbox"

// The inbox as the docs show it: every state a message can be in, a
// fallback call, a pending step, a number's fixed code (on its message and
// in the number form). The test checks the scene, and writes the
// screenshot where OTP_INBOX_SCREENSHOT says (make screenshot).
func TestInboxScreenshot(t *testing.T) {
	p := newPage(t)
	a := p.seed(keyA)
	p.seed(keyB)
	p.do(chromedp.EmulateViewport(1280, 1120)) // tall enough for the number form and its fixed code
	// No fading highlight of new cards in the picture.
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatal(err)
	}
	p.signInWithToken(token)
	p.signedIn()

	checked := p.send(keyA, secretA, a, "4915100000001", false)
	if m := p.verify(keyA, secretA, checked, p.code(keyA, checked)); m != 0 {
		t.Fatalf("the right code: matched %d", m)
	}
	wrong := p.send(keyA, secretA, a, "4915100000002", false)
	if m := p.verify(keyA, secretA, wrong, "000000"); m != 2 {
		t.Fatalf("a wrong code: matched %d", m)
	}
	fallback := p.send(keyA, secretA, a, "9991000000003", true)
	p.message(fallback, 0)
	p.click("advance-next")
	p.message(fallback, 1)
	// The newest message goes to a number with a fixed code, its range's
	// failing SMS kept.
	const fixedTo, fixedCode = "9991000000004", "424242"
	p.controlJSON("PUT", "/_sandbox/numbers/"+fixedTo+"?key="+keyA, `{"sms":"failed","call":"answered","code":"`+fixedCode+`"}`, nil)
	pending := p.send(keyA, secretA, a, fixedTo, true)
	for id, want := range map[string]string{
		checked: "checked at", wrong: "a wrong code was tried", pending: "it will send",
	} {
		p.waitFor(`document.querySelector('[data-key="`+id+`/0"]') && document.querySelector('[data-key="`+id+`/0"]').innerText.includes('`+want+`')`, 5*time.Second)
	}
	p.waitFor(`document.getElementById('next-steps').children.length === 1`, 5*time.Second)
	if card := p.message(pending, 0); !strings.Contains(card, fixedCode) || !strings.Contains(card, "the number's fixed code") {
		t.Fatalf("the send to the number with a fixed code:\n%s", card)
	}
	p.do(chromedp.SendKeys(chromedp.ID("number-to"), fixedTo+kb.Tab))
	p.waitFor(`document.getElementById('number-code').value === '`+fixedCode+`'`, 5*time.Second)
	// The moment the page shows once the highlight of new cards is gone.
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('.fresh').forEach((el) => el.classList.remove('fresh')); document.activeElement.blur()`))

	path := os.Getenv("OTP_INBOX_SCREENSHOT")
	if path == "" {
		return
	}
	png := withText(p.screenshot(), ScreenshotKeyword, sandbox.InboxAssetsDigest())
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(png))
}

// withText adds a tEXt chunk to a PNG, right after its header chunk.
func withText(png []byte, keyword, text string) []byte {
	const headerEnd = 8 + 4 + 4 + 13 + 4 // signature, then IHDR's length, type, data and CRC
	if len(png) < headerEnd || !bytes.Equal(png[12:16], []byte("IHDR")) {
		panic("not a PNG")
	}
	data := append([]byte(keyword+"\x00"), strings.ToValidUTF8(text, "")...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, "tEXt"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte{}, png[:headerEnd]...)
	out = append(out, chunk...)
	return append(out, png[headerEnd:]...)
}
