package otp

import (
	"encoding/json"
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

// Flow is a task flow. As an input to Create or Update, ID is ignored.
type Flow struct {
	ID    int64  `json:"flowId"`
	Name  string `json:"name"`
	Nodes []Node `json:"flow"`
}

// Matches reports whether the flow has exactly want's name and nodes, in
// order, with channel cuts compared after defaults. It is how a create whose
// answer was lost is recognised.
func (f Flow) Matches(want Flow) bool {
	if f.Name != want.Name || len(f.Nodes) != len(want.Nodes) {
		return false
	}
	for i, n := range f.Nodes {
		m := want.Nodes[i]
		if n.WaitingTime != m.WaitingTime || n.Status != m.Status || n.Channel != m.Channel || n.Cut() != m.Cut() {
			return false
		}
	}
	return true
}

// Flows is the task-flow API: POST /flow/add, PUT /flow/update/{id},
// GET /flow/details/{id}, GET /flow/list.
func (c *Client) Flows() Objects[Flow] { return Objects[Flow]{c: c, k: flowKind} }

var flowKind = &kind[Flow]{
	noun:       "task flow",
	path:       "/flow",
	listable:   true,
	decode:     func(data json.RawMessage) (Flow, bool, error) { return decodeOne(data, "task flow", wireFlow.flow) },
	decodeList: func(data json.RawMessage) ([]Flow, error) { return decodeMany(data, "task flow", wireFlow.flow) },
	id:         func(f Flow) string { return formatID(f.ID) },
	withID:     func(f Flow, id string) Flow { f.ID = parseID(id); return f },
	name:       func(f Flow) string { return f.Name },
	same:       Flow.Matches,
	createBody: func(f Flow) any { return flowBody{Name: f.Name, Nodes: f.Nodes} },
	updateBody: func(_ string, f Flow) any { return flowBody{Name: f.Name, Nodes: f.Nodes} },
}

// flowBody is the body of a create or a (full-replacement) update.
type flowBody struct {
	Name  string `json:"name"`
	Nodes []Node `json:"flow"`
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

func (w wireFlow) flow() (Flow, bool) {
	if w.ID == 0 && w.Name == "" {
		return Flow{}, false
	}
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
	return f, true
}

// formatID and parseID convert the integer ids of flows and templates to
// and from the strings the shared machinery uses; 0 means "none".
func formatID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func parseID(id string) int64 {
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}
