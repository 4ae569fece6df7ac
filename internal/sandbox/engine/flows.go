package engine

import (
	"container/heap"
	"fmt"
	"time"
)

// Task flows: a send with a flowId is step 0, and the flow's nodes run in
// order, each at its own due time on the service's clock, when its
// trigger holds. Nothing runs in the background: every call first runs the
// steps that fell due (in due-time order), so that what a request sees
// does not depend on when the sandbox last looked.

// runDue runs, in due-time order, every flow step due at or before now,
// each at its own due time; steps due at the same instant run in the order
// their verifications were made. It returns how many steps ran.
func (s *Service) runDue(cfg Config, now time.Time) int {
	ran := 0
	for {
		v := s.due.popDue(now)
		if v == nil {
			return ran
		}
		s.step(cfg, v)
		ran++
	}
}

// step runs a verification's next flow node at its due time: nothing once
// the code was checked successfully, replaced by a resend or expired (the
// flow ends); otherwise a send by the node's channel (channelCut 1: the
// last attempt's) when its trigger holds: status 1, the last attempt
// failed; status 2, the code is not checked successfully yet.
func (s *Service) step(cfg Config, v *verification) {
	s.touch(v)
	at := v.NextAt
	n := v.Next
	node := v.Nodes[n]
	if v.verified() || v.expired(at) {
		v.Next, v.NextAt = len(v.Nodes), time.Time{}
		return
	}
	if v.fires(node, at) {
		channel := v.stepChannel(node)
		app, found := cfg.App(v.AppID)
		var err error
		if !found {
			err = fmt.Errorf("appId %q no longer exists", v.AppID)
		} else {
			err = s.admit(app, v.To, v.Text, at)
		}
		if err != nil {
			s.opts.Logger.Info("flow step not sent", "to", v.To, "verificationId", v.ID, "step", n+1, "reason", err.Error())
		} else {
			s.countLimits(app, v.To, at)
			s.send(v, n+1, channel, at)
		}
	}
	v.Next = n + 1
	if v.Next < len(v.Nodes) {
		v.NextAt = at.Add(time.Duration(v.Nodes[v.Next].WaitingTime) * time.Second)
		s.due.add(v)
	} else {
		v.NextAt = time.Time{}
	}
}

// fires says whether node's trigger holds at at: status 2 while the code
// is not checked successfully (a success ends the flow, so always here),
// status 1 when the last attempt failed (one still sending has not).
func (v *verification) fires(node Node, at time.Time) bool {
	return node.Status == 2 || v.last().outcome(at) == outcomeFailed
}

// stepChannel is the channel node sends by: its own, or with channelCut 1
// the last attempt's (its own after sna: flows have no sna).
func (v *verification) stepChannel(node Node) string {
	if last := v.last(); node.ChannelCut == 1 && last.Channel != ChannelSNA {
		return last.Channel
	}
	return node.Channel
}

// endFlow ends a verification's flow early: checked, or replaced.
func (s *Service) endFlow(v *verification) {
	if v.Next < len(v.Nodes) {
		s.due.live--
	}
	v.Next, v.NextAt = len(v.Nodes), time.Time{}
}

// dueQueue orders the verifications whose flow has a node to run by its
// due time, then by creation. Entries go stale when a verification's flow
// ends early (checked, replaced, forgotten); they are skipped when popped,
// and the queue is rebuilt when they outnumber the live ones.
type dueQueue struct {
	items []dueItem
	live  int
}

type dueItem struct {
	at  time.Time
	seq int64
	v   *verification
}

func (q *dueQueue) Len() int { return len(q.items) }
func (q *dueQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}
func (q *dueQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *dueQueue) Push(x any)    { q.items = append(q.items, x.(dueItem)) }
func (q *dueQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items[len(q.items)-1] = dueItem{}
	q.items = q.items[:len(q.items)-1]
	return last
}

func (q *dueQueue) stale(it dueItem) bool {
	v := it.v
	return v.gone || v.Next >= len(v.Nodes) || !v.NextAt.Equal(it.at)
}

// add queues v's next node (v.NextAt).
func (q *dueQueue) add(v *verification) {
	heap.Push(q, dueItem{at: v.NextAt, seq: v.Seq, v: v})
	q.live++
	if len(q.items) > 2*q.live+64 {
		kept := q.items[:0]
		for _, it := range q.items {
			if !q.stale(it) {
				kept = append(kept, it)
			}
		}
		clear(q.items[len(kept):])
		q.items = kept
		heap.Init(q)
	}
}

// popDue takes the first verification whose next node is due at or before
// now, or nil.
func (q *dueQueue) popDue(now time.Time) *verification {
	for len(q.items) > 0 {
		top := q.items[0]
		if q.stale(top) {
			heap.Pop(q)
			continue
		}
		if top.at.After(now) {
			return nil
		}
		heap.Pop(q)
		q.live--
		return top.v
	}
	return nil
}

// next is the due time of the first live entry.
func (q *dueQueue) next() (time.Time, bool) {
	for len(q.items) > 0 {
		if top := q.items[0]; !q.stale(top) {
			return top.at, true
		}
		heap.Pop(q)
	}
	return time.Time{}, false
}
