package engine

import (
	"cmp"
	"maps"
	"slices"
)

// What an account keeps: its newest attempts (messages), at most the
// retention; past that its oldest verifications are forgotten whole, with
// their attempts. A forgotten verificationId answers as an unknown one, and
// its orderId is free again.

// drops are the verifications a call's commit forgets: the oldest, while
// the account holds more attempts than its retention. None that the call
// made or changed: they stay, and so does everything after them.
func (s *Service) drops(t *tx) []*verification {
	over := s.attempts - s.opts.Retention()
	var out []*verification
	for i := s.ageHead; over > 0 && i < len(s.byAge); i++ {
		v := s.byAge[i]
		if _, touched := t.before[v]; touched || slices.Contains(t.added, v) {
			break
		}
		out = append(out, v)
		over -= len(v.Attempts)
	}
	return out
}

// drop forgets a verification.
func (s *Service) drop(v *verification) {
	v.gone = true
	delete(s.verifs, v.ID)
	if v.SNAToken != "" {
		delete(s.sna, v.SNAToken)
	}
	if v.OrderID != "" {
		rest := s.orders[v.OrderID][:0]
		for _, o := range s.orders[v.OrderID] {
			if o != v {
				rest = append(rest, o)
			}
		}
		if len(rest) == 0 {
			delete(s.orders, v.OrderID)
		} else {
			s.orders[v.OrderID] = rest
		}
	}
	s.attempts -= len(v.Attempts)
	s.logGone += len(v.Attempts)
	if v.Next < len(v.Nodes) {
		s.due.live--
	}
}

// compactIndexes lets go of what the drops left behind. The forgotten
// attempts are mostly the oldest, at the head of the log: they go at once,
// so that memory stays flat; the few left in the middle (flow steps of old
// verifications) when they add up.
func (s *Service) compactIndexes() {
	if s.ageHead > 64 && s.ageHead >= len(s.byAge)/2 {
		s.byAge = append(s.byAge[:0], s.byAge[s.ageHead:]...)
		clear(s.byAge[len(s.byAge):cap(s.byAge)])
		s.ageHead = 0
	}
	for s.logHead < len(s.log) && s.log[s.logHead].v.gone {
		s.log[s.logHead] = nil
		s.logHead++
		s.logGone--
	}
	if s.logHead > 64 && s.logHead >= len(s.log)/2 {
		s.log = append(s.log[:0], s.log[s.logHead:]...)
		clear(s.log[len(s.log):cap(s.log)])
		s.logHead = 0
	}
	if s.logGone > 64 && s.logGone >= (len(s.log)-s.logHead)/2 {
		kept := s.log[:0]
		for _, a := range s.log[s.logHead:] {
			if !a.v.gone {
				kept = append(kept, a)
			}
		}
		clear(s.log[len(kept):])
		s.log, s.logHead, s.logGone = kept, 0, 0
	}
}

// bySeq is the verifications kept, oldest first.
func (s *Service) bySeq() []*verification {
	return slices.SortedFunc(maps.Values(s.verifs), func(a, b *verification) int { return cmp.Compare(a.Seq, b.Seq) })
}

// rebuild makes the indexes of verifications that Load put in verifs: the
// message log, the orders, the sna tokens, the flow steps to run and the
// limit windows; then applies the retention, which may be lower than when
// they were written (what it forgets then is left in the state file until
// the next compaction, whose replay forgets it again).
func (s *Service) rebuild() {
	if !s.unbuilt {
		return
	}
	s.unbuilt = false
	vs := s.bySeq()
	s.byAge, s.ageHead, s.log, s.logHead, s.logGone, s.attempts = vs, 0, nil, 0, 0, 0
	s.orders, s.sna = map[string][]*verification{}, map[string]*verification{}
	s.due, s.limits = dueQueue{}, limits{}
	for _, v := range vs {
		for _, a := range v.Attempts {
			a.v = v
			s.log = append(s.log, a)
			s.seq = max(s.seq, a.Seq)
			s.opts.Clock.notBefore(a.At)
		}
		s.attempts += len(v.Attempts)
		s.seq = max(s.seq, v.Seq)
		s.opts.Clock.notBefore(v.Created)
		if v.verified() {
			s.opts.Clock.notBefore(v.VerifiedAt)
		}
		s.index(v)
	}
	sortAttempts(s.log)
	for _, a := range s.log {
		s.restoreLimits(a.v.AppID, a.v.To, a.At)
	}
	t := &tx{before: map[*verification]verification{}}
	for _, v := range s.drops(t) {
		s.byAge[s.ageHead] = nil
		s.ageHead++
		s.drop(v)
	}
	s.compactIndexes()
}

func sortAttempts(as []*attempt) {
	slices.SortFunc(as, func(a, b *attempt) int { return cmp.Compare(a.Seq, b.Seq) })
}
