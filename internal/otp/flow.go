package otp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Trigger values of a node's Status.
const (
	TriggerSendFailure = 1 // the send, or its delivery report, failed
	TriggerNotChecked  = 2 // the code was not checked, or the check failed
)

// Channel values of a node.
const (
	ChannelSMS  = "sms"
	ChannelCall = "call"
)

// Channel-cut values of a node.
const (
	CutSwitch   = 0 // switch channel (the server's default)
	CutNoSwitch = 1 // keep the channel
)

// Node is one fallback step of a task flow.
type Node struct {
	// WaitingTime is in seconds, 30–120.
	WaitingTime int `json:"waitingTime"`
	// Status is the trigger: TriggerSendFailure or TriggerNotChecked.
	Status int `json:"status"`
	// Channel is ChannelSMS or ChannelCall.
	Channel string `json:"channel"`
	// ChannelCut may be nil on input (the server defaults it to CutSwitch);
	// answers always carry it, and decoding fills it when they do not.
	ChannelCut *int `json:"channelCut,omitempty"`
}

// Cut returns the node's channel cut with the server's default applied.
func (n Node) Cut() int {
	if n.ChannelCut == nil {
		return CutSwitch
	}
	return *n.ChannelCut
}

// Int returns a pointer to v, for optional fields such as Node.ChannelCut.
func Int(v int) *int { return &v }

// FlowInput is the body of a create or a (full-replacement) update.
type FlowInput struct {
	Name  string `json:"name"`
	Nodes []Node `json:"flow"`
}

// Flow is a task flow as the API returns it.
type Flow struct {
	ID    int64  `json:"flowId"`
	Name  string `json:"name"`
	Nodes []Node `json:"flow"`
}

// Matches reports whether the flow has exactly the input's name and nodes, in
// order, with channel cuts compared after defaults. It is how a create whose
// answer was lost is recognised.
func (f Flow) Matches(in FlowInput) bool {
	if f.Name != in.Name || len(f.Nodes) != len(in.Nodes) {
		return false
	}
	for i, n := range f.Nodes {
		m := in.Nodes[i]
		if n.WaitingTime != m.WaitingTime || n.Status != m.Status || n.Channel != m.Channel || n.Cut() != m.Cut() {
			return false
		}
	}
	return true
}

// wireFlow tolerates the shapes an answer may plausibly take: flowId as a
// number or a string, a missing channelCut.
type wireFlow struct {
	ID    flexInt `json:"flowId"`
	Name  string  `json:"name"`
	Nodes []struct {
		WaitingTime flexInt  `json:"waitingTime"`
		Status      flexInt  `json:"status"`
		Channel     string   `json:"channel"`
		ChannelCut  *flexInt `json:"channelCut"`
	} `json:"flow"`
}

func (w wireFlow) flow() Flow {
	f := Flow{ID: int64(w.ID), Name: w.Name, Nodes: make([]Node, 0, len(w.Nodes))}
	for _, n := range w.Nodes {
		cut := CutSwitch
		if n.ChannelCut != nil {
			cut = int(*n.ChannelCut)
		}
		f.Nodes = append(f.Nodes, Node{
			WaitingTime: int(n.WaitingTime),
			Status:      int(n.Status),
			Channel:     n.Channel,
			ChannelCut:  Int(cut),
		})
	}
	return f
}

// flexInt decodes a JSON number or a string holding an integer.
type flexInt int64

func (v *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*v = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", snippet(b))
	}
	*v = flexInt(n)
	return nil
}

// decodeFlow decodes one flow object from an envelope's data. ok is false
// when data is absent, null or an empty object/array, which some servers
// send instead of an error for an unknown id.
func decodeFlow(data json.RawMessage) (f Flow, ok bool, err error) {
	if isEmpty(data) {
		return Flow{}, false, nil
	}
	var w wireFlow
	if err := json.Unmarshal(data, &w); err != nil {
		return Flow{}, false, fmt.Errorf("decoding the task flow: %w", err)
	}
	if w.ID == 0 && w.Name == "" && len(w.Nodes) == 0 {
		return Flow{}, false, nil
	}
	return w.flow(), true, nil
}

// decodeFlows decodes the list answer; absent or null data is an empty list.
func decodeFlows(data json.RawMessage) ([]Flow, error) {
	if isEmpty(data) {
		return nil, nil
	}
	var ws []wireFlow
	if err := json.Unmarshal(data, &ws); err != nil {
		return nil, fmt.Errorf("decoding the task flow list: %w", err)
	}
	flows := make([]Flow, 0, len(ws))
	for _, w := range ws {
		flows = append(flows, w.flow())
	}
	return flows, nil
}

func isEmpty(data json.RawMessage) bool {
	t := bytes.TrimSpace(data)
	switch string(t) {
	case "", "null", "{}", "[]", `""`:
		return true
	}
	return false
}
