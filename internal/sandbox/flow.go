package sandbox

import (
	"fmt"
	"strconv"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// Node is one step of a task flow, in the API's field names: the OTP
// engine runs them as they are.
type Node = engine.Node

// Flow is a task flow: a named, ordered list of fallback steps.
type Flow struct {
	FlowID int64  `json:"flowId"`
	Name   string `json:"name"`
	Flow   []Node `json:"flow"`
}

const (
	firstFlowID    = 10001
	waitingTimeMin = 30 // seconds
	waitingTimeMax = 120
)

var flowKind = &kind[Flow]{
	one: "flow", many: "flows", idField: "flowId",
	ids:    counter{first: firstFlowID},
	routes: []op{opAdd, opUpdate, opDetails, opList},
	fields: []Field{
		nameField("flows"),
		field("flow", TypeArray).chars(1, 0).means("the steps, which run in order").required().of(
			field("waitingTime", TypeInteger).between(waitingTimeMin, waitingTimeMax).means("seconds to wait before the step runs").required(),
			choice("status", TypeInteger, Choice{1, "the send failed"}, Choice{2, "the code was not checked"}).
				means("what triggers the step").required(),
			choice("channel", TypeString, Choice{"sms", ""}, Choice{"call", "a voice call"}).means("how the step resends the code").required(),
			choice("channelCut", TypeInteger, Choice{0, "switch channel"}, Choice{1, "keep the channel"}).def(0),
		),
	},
	of:    func(o *objects) *list[Flow] { return &o.flows },
	id:    func(f Flow) string { return strconv.FormatInt(f.FlowID, 10) },
	setID: func(f *Flow, id string) { f.FlowID = intID(id) },
	name:  func(f Flow) string { return f.Name },
	parse: parseFlow,
}

// parseFlow reads {name, flow}; create and update take the same body.
func parseFlow(raw []byte, _ string) (Flow, string) {
	b := decodeBody(raw)
	f := Flow{Name: b.name()}
	switch list := b.value("flow", true).(type) {
	case nil:
	case []any:
		if len(list) == 0 {
			b.failf("flow must contain at least one node")
		}
		f.Flow = make([]Node, 0, len(list))
		for i, item := range list {
			f.Flow = append(f.Flow, parseNode(b, i, item))
		}
	default:
		b.failf("flow must be an array of nodes")
	}
	return f, b.reason()
}

func parseNode(b *body, i int, item any) Node {
	obj, isObject := item.(map[string]any)
	if !isObject {
		b.failf("flow[%d] must be an object", i)
		return Node{}
	}
	nb := b.inner(obj, fmt.Sprintf("flow[%d].", i))
	n := Node{WaitingTime: int(nb.intIn("waitingTime", true, 0, waitingTimeMin, waitingTimeMax, " seconds"))}
	if n.Status = int(nb.integer("status", true, 0)); n.Status != 1 && n.Status != 2 {
		nb.failf("%s must be 1 (send failure) or 2 (not checked) (got %d)", nb.label("status"), n.Status)
	}
	raw := nb.value("channel", true)
	if n.Channel, _ = raw.(string); raw != nil && n.Channel != "sms" && n.Channel != "call" {
		nb.failf("%s must be \"sms\" or \"call\" (got %s)", nb.label("channel"), show(raw))
	}
	// channelCut is the one optional field; its default, 0, switches channel.
	if n.ChannelCut = int(nb.integer("channelCut", false, 0)); n.ChannelCut != 0 && n.ChannelCut != 1 {
		nb.failf("%s must be 0 (switch channel) or 1 (don't switch) (got %d)", nb.label("channelCut"), n.ChannelCut)
	}
	return n
}

func intID(id string) int64 {
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}

// Flows returns an account's flows ordered by id.
func (s *Server) Flows(key string) []Flow { return flowKind.all(s, key) }

// AddFlow stores a flow out of band (as the vendor console would), with the
// API's validation and name rule, and returns it with its id.
func (s *Server) AddFlow(key string, f Flow) (Flow, error) { return flowKind.consoleAdd(s, key, f) }

// EditFlow changes a flow out of band, as the vendor console would: the
// edit sees a copy, the result is validated before it is stored, and the
// id does not change.
func (s *Server) EditFlow(id int64, edit func(*Flow)) (Flow, error) {
	return flowKind.consoleEdit(s, anyAccount, strconv.FormatInt(id, 10), plain(edit))
}

// DeleteFlow removes a flow out of band. The vendor API cannot do this;
// only its web console can, and this plays that console.
func (s *Server) DeleteFlow(id int64) error {
	return flowKind.consoleDelete(s, anyAccount, strconv.FormatInt(id, 10))
}
