package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Change is one thing the state file must keep of an account's service, in
// the service's own encoding: the journal adds the account and writes it
// as a record, and gives it back to Load on replay.
type Change struct {
	Kind string          // KindVerification, KindMessages or KindClock
	Op   string          // OpPut, OpDelete or OpPurge
	ID   string          // a verification's id
	Obj  json.RawMessage // what the change is, in JSON
}

// The kinds and operations of Changes.
const (
	// KindVerification: a verification with its attempts is now Obj
	// (OpPut), or is forgotten (OpDelete).
	KindVerification = "verification"
	// KindMessages: a purge took attempts out of the message log (OpPurge).
	KindMessages = "messages"
	// KindClock: the service's clock is now offset by Obj (OpPut).
	KindClock = "clock"

	OpPut    = "put"
	OpDelete = "delete"
	OpPurge  = "purge"
)

// Kinds are the kinds of Change, for the journal's registry.
var Kinds = []string{KindVerification, KindMessages, KindClock, KindNumber, KindSettings}

func putChange(v *verification) Change {
	return Change{Kind: KindVerification, Op: OpPut, ID: v.ID, Obj: appendVerification(nil, v)}
}

// clockState is how a clock change reads.
type clockState struct {
	// OffsetSeconds is what the advances added, in seconds (a fraction
	// for what Go callers add).
	OffsetSeconds float64 `json:"offsetSeconds"`
}

func clockChange(offset time.Duration) Change {
	b, err := json.Marshal(clockState{OffsetSeconds: offset.Seconds()})
	if err != nil {
		panic("engine: a clock does not encode: " + err.Error())
	}
	return Change{Kind: KindClock, Op: OpPut, Obj: b}
}

// Load applies a change read from the state file, saving nothing; the
// indexes are built on first use.
func (s *Service) Load(c Change) error {
	switch {
	case c.Kind == KindVerification && c.Op == OpPut:
		var v verification
		if err := DecodeExact(c.Obj, &v); err != nil {
			return err
		}
		if v.ID != c.ID {
			return fmt.Errorf("the verification's verificationId is %s", v.ID)
		}
		if err := s.loadVerification(&v); err != nil {
			return err
		}
	case c.Kind == KindVerification && c.Op == OpDelete:
		if v := s.verifs[c.ID]; v != nil {
			v.gone = true
			delete(s.verifs, c.ID)
		}
	case c.Kind == KindMessages && c.Op == OpPurge:
		var p purge
		if err := DecodeExact(c.Obj, &p); err != nil {
			return err
		}
		s.applyPurge(p)
	case c.Kind == KindClock && c.Op == OpPut:
		var cs clockState
		if err := DecodeExact(c.Obj, &cs); err != nil {
			return err
		}
		if cs.OffsetSeconds < 0 {
			return fmt.Errorf("offsetSeconds %v is negative: the clock only moves forward", cs.OffsetSeconds)
		}
		s.opts.Clock.offset = time.Duration(cs.OffsetSeconds * float64(time.Second))
	case c.Kind == KindNumber || c.Kind == KindSettings:
		return s.loadSetup(c)
	default:
		return errNotOfKind(c)
	}
	s.unbuilt = true
	return nil
}

// loadVerification puts a verification read from the state file (or an
// import) in the service; the indexes are built on first use.
func (s *Service) loadVerification(v *verification) error {
	if len(v.Attempts) == 0 || v.Next < 0 || v.Next > len(v.Nodes) {
		return errors.New("the verification has no attempt, or its next flow step is not one of its nodes")
	}
	v.LegacySNAURL = ""
	for _, a := range v.Attempts {
		if a == nil {
			return errors.New("the verification has an empty attempt")
		}
		a.v = v
	}
	if old := s.verifs[v.ID]; old != nil {
		old.gone = true
	}
	s.verifs[v.ID] = v
	s.opts.IDs.observe(v.ID)
	return nil
}

func errNotOfKind(c Change) error {
	return fmt.Errorf("operation %q is not one of a %s's", c.Op, c.Kind)
}

func errNotANumber(to string) error {
	return fmt.Errorf("%q is not a phone number (%s)", to, PhoneRule)
}

// State is a copy of everything the state file keeps of an account's
// service, taken under the account's lock and written out after it is let
// go (Encode).
type State struct {
	offset   time.Duration
	verifs   []*verification
	copies   []verification
	attempts []attempt
	pointers []*attempt
	setup    setupState
}

// Snapshot copies the service's state into st, reusing its memory (a new
// State when st is nil). It is taken under the account's lock, so it
// copies rather than encodes, and into memory a compaction reuses from one
// account to the next: the account waits for the copy alone, and no
// allocation there sets the garbage collector on whoever allocates next.
// A State serves one snapshot at a time: encode it before the next.
func (s *Service) Snapshot(st *State) *State {
	s.rebuild()
	if st == nil {
		st = &State{}
	}
	live := s.byAge[s.ageHead:]
	n := 0
	for _, v := range live {
		n += len(v.Attempts)
	}
	st.offset, st.setup = s.opts.Clock.offset, s.setupSnapshot()
	st.copies = grow(st.copies, len(live))
	st.verifs = grow(st.verifs, len(live))
	st.attempts = grow(st.attempts, n)[:0]
	st.pointers = grow(st.pointers, n)[:0]
	for i, v := range live {
		c := &st.copies[i]
		*c = *v // Nodes are never changed in place: the copy may share them
		first := len(st.pointers)
		for _, a := range v.Attempts {
			st.attempts = append(st.attempts, *a)
			st.pointers = append(st.pointers, &st.attempts[len(st.attempts)-1])
		}
		c.Attempts = st.pointers[first:len(st.pointers):len(st.pointers)]
		st.verifs[i] = c
	}
	return st
}

// grow is s with length n, its memory reused when it has room (whatever it
// held is overwritten by the caller).
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// Encode emits the changes that rebuild the state. A change's Obj is
// only valid during the call of emit: one buffer serves them all.
func (st *State) Encode(emit func(Change) error) error {
	if st.offset != 0 {
		if err := emit(clockChange(st.offset)); err != nil {
			return err
		}
	}
	if err := st.setup.encode(emit); err != nil {
		return err
	}
	var buf []byte
	for _, v := range st.verifs {
		buf = appendVerification(buf[:0], v)
		if err := emit(Change{Kind: KindVerification, Op: OpPut, ID: v.ID, Obj: buf}); err != nil {
			return err
		}
	}
	return nil
}

// DecodeExact decodes one JSON value strictly, as everything read back from
// the state file is: an unknown field is an error that names it, and
// nothing may follow.
func DecodeExact(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}
