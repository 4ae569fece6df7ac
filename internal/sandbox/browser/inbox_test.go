package browser

import (
	"strings"
	"testing"
	"time"
)

// Signed in with the control token, the inbox shows a send made through
// the signed API within a second, without a reload, with its code.
func TestASendAppearsWithinASecond(t *testing.T) {
	p := newPage(t)
	o := p.seed(keyA)
	p.signInWithToken(token)
	p.signedIn()
	loadID := eval[string](p, `window.__test.loadId`)
	start := time.Now()
	id := p.send(keyA, secretA, o, "4915100000001", false)
	card := p.message(id, 0)
	took := p.arrival(id, 0).Sub(start)
	t.Logf("send to appearance: %s", took)
	code := p.code(keyA, id)
	if !strings.Contains(card, code) || !strings.Contains(card, "4915100000001") {
		t.Fatalf("the card:\n%s", card)
	}
	if got := eval[string](p, `window.__test.loadId`); got != loadID {
		t.Fatal("the page was reloaded")
	}
}
