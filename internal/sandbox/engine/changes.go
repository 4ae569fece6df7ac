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
var Kinds = []string{KindVerification, KindMessages, KindClock}

func putChange(v *verification) Change {
	b, err := json.Marshal(v)
	if err != nil {
		panic("engine: a verification does not encode: " + err.Error())
	}
	return Change{Kind: KindVerification, Op: OpPut, ID: v.ID, Obj: b}
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
		if err := decodeExact(c.Obj, &v); err != nil {
			return err
		}
		if v.ID != c.ID {
			return fmt.Errorf("the verification's verificationId is %s", v.ID)
		}
		if len(v.Attempts) == 0 || v.Next < 0 || v.Next > len(v.Nodes) {
			return errors.New("the verification has no attempt, or its next flow step is not one of its nodes")
		}
		v.LegacySNAURL = ""
		for _, a := range v.Attempts {
			a.v = &v
		}
		if old := s.verifs[v.ID]; old != nil {
			old.gone = true
		}
		s.verifs[v.ID] = &v
		s.opts.IDs.observe(v.ID)
	case c.Kind == KindVerification && c.Op == OpDelete:
		if v := s.verifs[c.ID]; v != nil {
			v.gone = true
			delete(s.verifs, c.ID)
		}
	case c.Kind == KindMessages && c.Op == OpPurge:
		var p purge
		if err := decodeExact(c.Obj, &p); err != nil {
			return err
		}
		s.applyPurge(p)
	case c.Kind == KindClock && c.Op == OpPut:
		var cs clockState
		if err := decodeExact(c.Obj, &cs); err != nil {
			return err
		}
		if cs.OffsetSeconds < 0 {
			return fmt.Errorf("offsetSeconds %v is negative: the clock only moves forward", cs.OffsetSeconds)
		}
		s.opts.Clock.offset = time.Duration(cs.OffsetSeconds * float64(time.Second))
	default:
		return fmt.Errorf("operation %q is not one of a %s's", c.Op, c.Kind)
	}
	s.unbuilt = true
	return nil
}

// State is a copy of everything the state file keeps of an account's
// service, taken under the account's lock and written out after it is let
// go (Encode).
type State struct {
	offset time.Duration
	verifs []*verification
}

// Snapshot copies the service's state.
func (s *Service) Snapshot() *State {
	s.rebuild()
	st := &State{offset: s.opts.Clock.offset, verifs: make([]*verification, 0, len(s.byAge)-s.ageHead)}
	for _, v := range s.byAge[s.ageHead:] {
		c := *v
		c.Nodes = append([]Node(nil), v.Nodes...)
		c.Attempts = make([]*attempt, len(v.Attempts))
		for i, a := range v.Attempts {
			ac := *a
			ac.v = nil
			c.Attempts[i] = &ac
		}
		st.verifs = append(st.verifs, &c)
	}
	return st
}

// Encode emits the changes that rebuild the state.
func (st *State) Encode(emit func(Change) error) error {
	if st.offset != 0 {
		if err := emit(clockChange(st.offset)); err != nil {
			return err
		}
	}
	for _, v := range st.verifs {
		if err := emit(putChange(v)); err != nil {
			return err
		}
	}
	return nil
}

// decodeExact decodes one JSON value strictly: an unknown field is an
// error that names it, and nothing may follow.
func decodeExact(b []byte, v any) error {
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
