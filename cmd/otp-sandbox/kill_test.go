package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The state file loses nothing acknowledged when the sandbox is killed
// (SIGKILL) at any moment: a child otp-sandbox is killed in the middle of
// a stream of creates and updates from several clients of two accounts,
// restarted on the same file, and every change any client heard "0" for
// is found, the last one of each flow winning; a change in flight when
// the sandbox died may be there or not, nothing else may. Three rounds on
// one file, so that kills land on a file that has been replayed, and
// compactions (every ~400 records) happen between them.
func TestKillLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a sandbox process")
	}
	bin := filepath.Join(t.TempDir(), "otp-sandbox")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	accounts := map[string]string{"kill-a": "secret-a", "kill-b": "secret-b"}
	const clientsPerAccount, perRound = 3, 400

	var clients []*killClient
	for k, s := range accounts {
		for i := range clientsPerAccount {
			clients = append(clients, &killClient{id: fmt.Sprintf("%s%d", k[len(k)-1:], i), key: k, secret: s, flows: map[int64]string{}})
		}
	}
	for round := range 3 {
		child := startChild(t, bin, dir, state, accounts)
		// Every flow the file kept must be what the clients expect.
		for k := range accounts {
			for _, c := range clients {
				if c.key == k {
					c.reconcile(t, child.flows(t, k))
				}
			}
		}
		var acked atomic.Int64
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Go(func() { c.traffic(child.base, round, &acked) })
		}
		for acked.Load() < perRound {
			time.Sleep(time.Millisecond)
		}
		child.kill(t)
		wg.Wait()
		for _, c := range clients {
			if c.refused != nil {
				t.Fatal(c.refused)
			}
		}
		t.Logf("round %d: %d changes acknowledged before the kill", round, acked.Load())
	}
	// The last round's kill, checked; and ids go on after the flows kept.
	child := startChild(t, bin, dir, state, accounts)
	var highest int64
	for k := range accounts {
		flows := child.flows(t, k)
		for _, c := range clients {
			if c.key == k {
				c.reconcile(t, flows)
			}
		}
		for id := range flows {
			highest = max(highest, id)
		}
	}
	c := clients[0]
	c.inFlight = nil
	id, err := c.create(child.base, "after-the-kills")
	if err != nil || id <= highest {
		t.Fatalf("a create after the kills got id %d (%v); the highest kept is %d", id, err, highest)
	}
	child.kill(t)
}

// killClient plays one client: it creates flows and renames them, and
// remembers what the sandbox acknowledged.
type killClient struct {
	id, key, secret string
	flows           map[int64]string // acknowledged: flow id → its name
	inFlight        *change          // sent, not answered: the sandbox died meanwhile
	n               int
	refused         error // an answer other than success: a bug, not a kill
}

type change struct {
	id   int64 // 0 for a create
	name string
}

func (c *killClient) traffic(base string, round int, acked *atomic.Int64) {
	for {
		c.n++
		name := fmt.Sprintf("c%s-r%d-n%d", c.id, round, c.n)
		var err error
		if len(c.flows) == 0 || c.n%3 == 0 {
			c.inFlight = &change{name: name}
			var id int64
			if id, err = c.create(base, name); err == nil {
				c.flows[id] = name
			}
		} else {
			id := c.pick()
			c.inFlight = &change{id: id, name: name}
			if err = c.update(base, id, name); err == nil {
				c.flows[id] = name
			}
		}
		var r *refusal
		if errors.As(err, &r) {
			c.refused = err
			return
		}
		if err != nil {
			return // the sandbox was killed; inFlight may or may not have been saved
		}
		c.inFlight = nil
		acked.Add(1)
	}
}

// pick chooses a flow to rename, going round them in id order.
func (c *killClient) pick() int64 {
	ids := slices.Sorted(maps.Keys(c.flows))
	return ids[c.n%len(ids)]
}

// reconcile checks what the restarted sandbox kept of this client's flows
// against what it acknowledged, then takes the kept state as the truth.
func (c *killClient) reconcile(t *testing.T, kept map[int64]string) {
	t.Helper()
	prefix := "c" + c.id + "-"
	for id, want := range c.flows {
		got, found := kept[id]
		switch {
		case !found:
			t.Fatalf("client %s: flow %d (%s) was acknowledged and is gone", c.id, id, want)
		case got == want:
		case c.inFlight != nil && c.inFlight.id == id && got == c.inFlight.name:
			c.flows[id] = got // the update in flight was saved, its answer lost
		default:
			t.Fatalf("client %s: flow %d is %q; the last change acknowledged made it %q (in flight: %+v)", c.id, id, got, want, c.inFlight)
		}
	}
	for id, name := range kept {
		if _, known := c.flows[id]; known || !strings.HasPrefix(name, prefix) {
			continue
		}
		if c.inFlight == nil || c.inFlight.id != 0 || name != c.inFlight.name {
			t.Fatalf("client %s: flow %d (%s) was never acknowledged nor in flight", c.id, id, name)
		}
		c.flows[id] = name // the create in flight was saved, its answer lost
	}
	c.inFlight = nil
}

func (c *killClient) create(base, name string) (int64, error) {
	data, err := c.send(base, "POST", "/flow/add", name)
	if err != nil {
		return 0, err
	}
	var f struct {
		FlowID int64 `json:"flowId"`
	}
	if err := json.Unmarshal(data, &f); err != nil || f.FlowID == 0 {
		return 0, fmt.Errorf("create answered %s", data)
	}
	return f.FlowID, nil
}

func (c *killClient) update(base string, id int64, name string) error {
	_, err := c.send(base, "PUT", "/flow/update/"+strconv.FormatInt(id, 10), name)
	return err
}

var killHTTP = &http.Client{Timeout: 10 * time.Second}

func (c *killClient) send(base, method, path, name string) (json.RawMessage, error) {
	body := fmt.Sprintf(`{"name":%q,"flow":[{"waitingTime":60,"status":1,"channel":"sms"}]}`, name)
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	signRequest(req, c.key, c.secret)
	resp, err := killHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env struct {
		Status string          `json:"status"`
		Reason string          `json:"reason"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("HTTP %d %s", resp.StatusCode, raw)
	}
	if env.Status != "0" {
		return nil, &refusal{fmt.Sprintf("client %s: %s %s: status %s %s", c.id, method, path, env.Status, env.Reason)}
	}
	return env.Data, nil
}

type refusal struct{ what string }

func (r *refusal) Error() string { return r.what }

type child struct {
	cmd         *exec.Cmd
	base, token string
	stderr      *syncBuffer
}

func startChild(t *testing.T, bin, dir, state string, accounts map[string]string) *child {
	t.Helper()
	addr := filepath.Join(dir, "addr")
	_ = os.Remove(addr)
	args := []string{"-listen", "127.0.0.1:0", "-addr-file", addr, "-state", state, "-quiet", "-control-token", "kill-test"}
	for k, s := range accounts {
		args = append(args, "-account", k+":"+s)
	}
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	c := &child{cmd: cmd, token: "kill-test", stderr: &syncBuffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(addr); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			c.base = strings.TrimSpace(string(b))
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox did not start:\n%s", c.stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
	if log := c.stderr.String(); strings.Contains(log, "level=ERROR") {
		t.Fatalf("the sandbox logged an error:\n%s", log)
	}
}

// flows lists an account's flows through the control surface: id → name.
func (c *child) flows(t *testing.T, key string) map[int64]string {
	t.Helper()
	req, _ := http.NewRequest("GET", strings.TrimSuffix(c.base, "/otp")+"/_sandbox/flows?key="+key, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := killHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		FlowID int64  `json:"flowId"`
		Name   string `json:"name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, f := range list {
		out[f.FlowID] = f.Name
	}
	return out
}
