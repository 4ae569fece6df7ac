package engine

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

// IDs makes verificationIds in the vendor's shape: "2", the time as
// yyMMddHHmmss at +08:00, and a 7-digit sequence, 20 digits as in its
// sample "22206051443051000003". One IDs serves every account of a
// sandbox, so that ids are unique across accounts as the objects' ids are;
// it has its own lock for that.
type IDs struct {
	mu  sync.Mutex
	seq int64
}

func (g *IDs) next(now time.Time) string {
	g.mu.Lock()
	g.seq++
	n := g.seq
	g.mu.Unlock()
	return "2" + now.In(vendorZone).Format("060102150405") + fmt.Sprintf("%07d", n%10_000_000)
}

// Seq is the last number given out, for the state file.
func (g *IDs) Seq() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seq
}

// AtLeast keeps the sequence at or past n: read from the state file.
func (g *IDs) AtLeast(n int64) {
	g.mu.Lock()
	g.seq = max(g.seq, n)
	g.mu.Unlock()
}

// Reset starts the sequence over, for a reset of the whole sandbox.
func (g *IDs) Reset() {
	g.mu.Lock()
	g.seq = 0
	g.mu.Unlock()
}

// observe keeps the sequence past an id loaded from the state file.
func (g *IDs) observe(id string) {
	if len(id) != 20 {
		return
	}
	if n, err := strconv.ParseInt(id[13:], 10, 64); err == nil {
		g.AtLeast(n)
	}
}
