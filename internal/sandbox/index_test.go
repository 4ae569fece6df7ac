package sandbox

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// The index by id and name (objIndex) must say what going through the
// objects says, after every kind of change: creates, renames, deletes,
// resets, changes undone after a failed save, and a reload.
func TestIndexFollowsEveryChange(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state.json")
	e := newEnv(t, withState(path))
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // a repeatable sequence of operations
	node := []Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}
	check := func(s *Server, step string) {
		t.Helper()
		for _, k := range []string{key, otherKey} {
			inAccountOf(t, s, k, func(a *account) {
				o := &a.objects
				objs := o.flows.objs
				for i, f := range objs {
					id := id64(f.FlowID)
					if got := flowKind.position(o, id); got != i {
						t.Fatalf("%s: flow %s is at %d, the index says %d", step, id, i, got)
					}
					if !flowKind.nameTaken(o, f.Name, "") || flowKind.nameTaken(o, f.Name, id) {
						t.Fatalf("%s: the index does not know the name %q of flow %s", step, f.Name, id)
					}
				}
				if ix := flowKind.index(&o.flows); len(ix.byID) != len(objs) || len(ix.byName) != len(objs) {
					t.Fatalf("%s: the index of %s has %d ids and %d names for %d flows", step, k, len(ix.byID), len(ix.byName), len(objs))
				}
			})
		}
	}
	for step := range 600 {
		k := []string{key, otherKey}[rng.IntN(2)]
		flows := e.srv.Flows(k)
		name := fmt.Sprintf("flow-%d", rng.IntN(40)) // names come back: clashes and reuse
		var what string
		switch op := rng.IntN(10); {
		case op < 5 || len(flows) == 0:
			what = "create"
			_, _ = e.srv.AddFlow(k, Flow{Name: name, Flow: node})
		case op < 8:
			what = "rename"
			_, _ = e.srv.EditFlow(flows[rng.IntN(len(flows))].FlowID, func(f *Flow) { f.Name = name })
		case op < 9:
			what = "delete"
			_ = e.srv.DeleteFlow(flows[rng.IntN(len(flows))].FlowID)
		default:
			what = "reset of an account"
			acct, _ := e.srv.Account(k)
			_ = acct.Reset()
		}
		check(e.srv, fmt.Sprintf("step %d (%s)", step, what))
	}
	again := newEnv(t, withState(path))
	check(again.srv, "reload")
	sameState(t, e.srv, again.srv, key, otherKey)

	// Changes undone after a failed save leave the index as it was.
	e.failAt(failAppend)
	flows := e.srv.Flows(key)
	if _, err := e.srv.AddFlow(key, Flow{Name: "not-saved", Flow: node}); err == nil {
		t.Fatal("a create was saved on a read-only file")
	}
	if len(flows) > 0 {
		_, _ = e.srv.EditFlow(flows[0].FlowID, func(f *Flow) { f.Name = "renamed-not-saved" })
		_ = e.srv.DeleteFlow(flows[len(flows)-1].FlowID)
	}
	check(e.srv, "undone changes")
	inAccountOf(t, e.srv, key, func(a *account) {
		if flowKind.nameTaken(&a.objects, "not-saved", "") || flowKind.nameTaken(&a.objects, "renamed-not-saved", "") {
			t.Fatal("an undone change's name stayed taken")
		}
	})
}
