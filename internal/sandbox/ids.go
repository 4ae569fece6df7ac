package sandbox

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Ids are the sandbox's, not an account's: unique across accounts, so that
// a method given only an id finds one object, and an id used with another
// account's key is -24 like an unknown one. The server keeps each kind's
// id state under a lock of its own, which no other lock is taken under.

// idScheme is how a kind numbers its objects. Ids are kept as strings (the
// path segment's canonical form) so that one store serves integer and
// string ids alike.
type idScheme interface {
	// parse reads an id from a path segment; valid is false when the
	// segment cannot be one (then rule says what it must be).
	parse(segment string) (id string, valid bool)
	rule() string
	// describe and order say how ids look and how lists are sorted, for
	// the reference.
	describe() string
	order() string
	next(st *idState, rng *rand.Rand) string
	// issued says why an id could not have come from next, or "".
	issued(st *idState, id string) string
	// note records that id was given out, as next did, for an id read
	// from the state file.
	note(st *idState, id string)
	show(id string) string
	compare(a, b string) int // list order
	init(st *idState)
}

// idState is what an id scheme remembers; the state file keeps it.
type idState struct {
	NextID  int64           `json:"nextId,omitempty"`  // counter
	UsedIDs map[string]bool `json:"usedIds,omitempty"` // random: every id ever given out
}

// nextID gives out the next id of a kind.
func (s *Server) nextID(kind string, scheme idScheme, rng *rand.Rand) string {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	return scheme.next(s.idStateLocked(kind, scheme), rng)
}

// noteID records an id read from the state file.
func (s *Server) noteID(kind string, scheme idScheme, id string) {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	scheme.note(s.idStateLocked(kind, scheme), id)
}

// mergeIDs takes in a kind's id state read from the state file: at least
// what it says, whatever the order of the records, so that no id is ever
// given out twice.
func (s *Server) mergeIDs(kind string, scheme idScheme, ids idState) {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	st := s.idStateLocked(kind, scheme)
	st.NextID = max(st.NextID, ids.NextID)
	for id := range ids.UsedIDs {
		scheme.note(st, id)
	}
}

func (s *Server) idStateLocked(kind string, scheme idScheme) *idState {
	st := s.ids[kind]
	if st == nil {
		st = &idState{}
		scheme.init(st)
		s.ids[kind] = st
	}
	return st
}

// counter gives integer ids upwards from first. A first well above 1 makes
// ids look like the vendor's, so a client that confuses an id with an
// index or a count is caught.
type counter struct{ first int64 }

func (c counter) parse(segment string) (string, bool) {
	n, err := strconv.ParseInt(segment, 10, 64)
	if err != nil || n <= 0 {
		return "", false
	}
	return strconv.FormatInt(n, 10), true
}

func (counter) rule() string { return "must be a positive integer" }

func (c counter) describe() string {
	return fmt.Sprintf("an integer, given out upwards from %d", c.first)
}

func (counter) order() string { return "by id" }

func (c counter) next(st *idState, _ *rand.Rand) string {
	c.init(st)
	st.NextID++
	return strconv.FormatInt(st.NextID-1, 10)
}

func (counter) issued(st *idState, id string) string {
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 || n >= st.NextID {
		return fmt.Sprintf("is not below nextId %d", st.NextID)
	}
	return ""
}

func (c counter) note(st *idState, id string) {
	c.init(st)
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n >= st.NextID {
		st.NextID = n + 1
	}
}

func (counter) show(id string) string { return id }

func (counter) compare(a, b string) int {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return cmp.Compare(x, y)
}

func (c counter) init(st *idState) { st.NextID = max(st.NextID, c.first) }

// randomIDs gives ids of letters and digits like the vendor's app ids
// (sample "mRELxtHc"), never the same one twice.
type randomIDs struct{ length int }

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (randomIDs) parse(segment string) (string, bool) { return segment, segment != "" }

func (randomIDs) rule() string { return "must not be empty" }

func (r randomIDs) describe() string {
	return fmt.Sprintf("%d letters and digits, made up at random", r.length)
}

func (randomIDs) order() string { return "in creation order" }

func (r randomIDs) next(st *idState, rng *rand.Rand) string {
	r.init(st)
	b := make([]byte, r.length)
	for {
		for i := range b {
			b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
		}
		if id := string(b); !st.UsedIDs[id] {
			st.UsedIDs[id] = true
			return id
		}
	}
}

func (randomIDs) issued(st *idState, id string) string {
	if !st.UsedIDs[id] {
		return "is not among usedIds"
	}
	return ""
}

func (r randomIDs) note(st *idState, id string) {
	r.init(st)
	st.UsedIDs[id] = true
}

func (randomIDs) show(id string) string { return strconv.Quote(id) }

func (randomIDs) compare(string, string) int { return 0 } // creation order

func (randomIDs) init(st *idState) {
	if st.UsedIDs == nil {
		st.UsedIDs = map[string]bool{}
	}
}
