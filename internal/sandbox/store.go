package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Node is one step of a task flow, in the API's field names.
type Node struct {
	WaitingTime int    `json:"waitingTime"`
	Status      int    `json:"status"`
	Channel     string `json:"channel"`
	ChannelCut  int    `json:"channelCut"`
}

// Flow is a stored task flow.
type Flow struct {
	FlowID int64  `json:"flowId"`
	Name   string `json:"name"`
	Flow   []Node `json:"flow"`
}

func (f Flow) clone() Flow {
	f.Flow = append([]Node(nil), f.Flow...)
	return f
}

// firstID makes ids look like the vendor's: integers well above 1, so that a
// client that confuses an id with an index or a count is caught.
const firstID = 10001

// state is everything that persists: the flows of each account, by API key.
type state struct {
	NextID   int64             `json:"nextId"`
	Accounts map[string][]Flow `json:"accounts"`
}

func newState() *state { return &state{NextID: firstID, Accounts: map[string][]Flow{}} }

func (s *state) find(key string, id int64) int {
	for i, f := range s.Accounts[key] {
		if f.FlowID == id {
			return i
		}
	}
	return -1
}

func (s *state) nameTaken(key, name string, except int64) (int64, bool) {
	for _, f := range s.Accounts[key] {
		if f.Name == name && f.FlowID != except {
			return f.FlowID, true
		}
	}
	return 0, false
}

func (s *state) list(key string) []Flow {
	out := make([]Flow, 0, len(s.Accounts[key]))
	for _, f := range s.Accounts[key] {
		out = append(out, f.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FlowID < out[j].FlowID })
	return out
}

// loadState reads a state file. A missing file is an empty state; a file
// that does not parse is an error, and the caller must not overwrite it.
func loadState(path string) (*state, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the operator names the state file
	if errors.Is(err, os.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: reading state file %s: %w", path, err)
	}
	s := newState()
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("sandbox: state file %s is corrupt (%w); fix or remove it, it will not be overwritten", path, err)
	}
	if s.Accounts == nil {
		s.Accounts = map[string][]Flow{}
	}
	if s.NextID < firstID {
		s.NextID = firstID
	}
	for key, flows := range s.Accounts {
		for _, f := range flows {
			if f.FlowID >= s.NextID {
				return nil, fmt.Errorf("sandbox: state file %s is corrupt: flow %d of key %s is not below nextId %d; fix or remove it, it will not be overwritten", path, f.FlowID, key, s.NextID)
			}
		}
	}
	return s, nil
}

// saveState writes the file atomically: a reader (or a crash) sees either
// the old state or the new one, never half of one.
func saveState(path string, s *state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("sandbox: writing state: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("sandbox: writing state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("sandbox: writing state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sandbox: writing state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sandbox: writing state: %w", err)
	}
	return nil
}
