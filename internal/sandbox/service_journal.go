package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// The OTP service's verifications in the state file: one journal record
// per verification (its attempts inside it), written on every change of
// it, deleted when the retention forgets it. What the state file does not
// keep: the clock's offset, the number outcomes and the settings (test
// set-up, like the faults); the message log is the verifications'
// attempts, so it comes back with them (what DELETE /_sandbox/messages
// took out stays out).

// journalVerification is the record kind of a verification.
const journalVerification = "verification"

type verificationJournal struct{}

func init() { register(verificationJournal{}) }

func (verificationJournal) journalKind() string { return journalVerification }

func verificationRecord(key string, v *verification) (record, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return record{}, err
	}
	return record{Op: opPut, Key: key, Kind: journalVerification, ID: v.ID, Obj: b}, nil
}

// load puts a verification read from the file in its account's service;
// the service builds its indexes from them on first use (rebuild).
func (verificationJournal) load(s *Server, a *account, rec record) error {
	if a == nil {
		return errors.New("the record names no account (key)")
	}
	sv := s.makeServiceLocked(a)
	switch rec.Op {
	case opPut:
		var v verification
		if err := decodeExact(rec.Obj, &v); err != nil {
			return err
		}
		if v.ID != rec.ID {
			return fmt.Errorf("the verification's verificationId is %s", v.ID)
		}
		if len(v.Attempts) == 0 || v.Next < 0 || v.Next > len(v.Nodes) {
			return errors.New("the verification has no attempt, or its next flow step is not one of its nodes")
		}
		sv.verifs[v.ID] = &v
		s.verificationIDs.observe(v.ID)
	case opDelete:
		delete(sv.verifs, rec.ID)
	default:
		return fmt.Errorf("operation %q is not one of a verification's", rec.Op)
	}
	sv.unbuilt = true
	return nil
}

func (verificationJournal) snapshot(s *Server, emit func(record) error) error {
	for _, key := range slices.Sorted(maps.Keys(s.accounts)) {
		sv := s.accounts[key].svc
		if sv == nil {
			continue
		}
		for _, v := range sv.bySeq() {
			rec, err := verificationRecord(key, v)
			if err != nil {
				return err
			}
			if err := emit(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// bySeq is the verifications kept, oldest first.
func (sv *service) bySeq() []*verification {
	return slices.SortedFunc(maps.Values(sv.verifs), func(a, b *verification) int { return int(a.Seq - b.Seq) })
}

// rebuild makes the indexes of verifications loaded from the state file:
// the message log, the orders, the sna URLs, the flow steps to run and the
// limit windows; then applies the retention, which may be lower than when
// they were written.
func (sv *service) rebuild() {
	if !sv.unbuilt {
		return
	}
	sv.unbuilt = false
	vs := sv.bySeq()
	sv.byAge, sv.ageHead, sv.log, sv.logHead, sv.logGone, sv.attempts = vs, 0, nil, 0, 0, 0
	sv.orders, sv.sna = map[string][]*verification{}, map[string]*verification{}
	sv.due, sv.limits = dueQueue{}, limits{}
	for _, v := range vs {
		for _, a := range v.Attempts {
			a.v = v
			sv.log = append(sv.log, a)
			sv.seq = max(sv.seq, a.Seq)
		}
		sv.attempts += len(v.Attempts)
		sv.seq = max(sv.seq, v.Seq)
		sv.index(v)
	}
	sortAttempts(sv.log)
	for _, a := range sv.log {
		sv.limits.restore(a.v.AppID, a.v.To, a.At)
	}
	if len(vs) > 0 {
		sv.retain(nil)
	}
}
