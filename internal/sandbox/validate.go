package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// The vendor's documented limits for a task flow.
const (
	nameMinChars   = 4
	nameMaxChars   = 32
	waitingTimeMin = 30
	waitingTimeMax = 120
)

// parseFlowBody validates a create or update body the way the vendor
// documents it. It returns the reason for a -22 answer, naming the field,
// when the body breaks a rule. Field values are checked for their JSON type
// exactly: a number sent as a string is refused, so that a client bug cannot
// hide behind leniency the real API may not have.
func parseFlowBody(body []byte) (name string, nodes []Node, reason string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return "", nil, "the request body must be a JSON object"
	}
	rawName, ok := obj["name"]
	if !ok || rawName == nil {
		return "", nil, "name is required"
	}
	name, ok = rawName.(string)
	if !ok {
		return "", nil, "name must be a string"
	}
	if n := utf8.RuneCountInString(name); n < nameMinChars || n > nameMaxChars {
		return "", nil, fmt.Sprintf("name must be %d to %d characters long (got %d)", nameMinChars, nameMaxChars, n)
	}
	rawFlow, ok := obj["flow"]
	if !ok || rawFlow == nil {
		return "", nil, "flow is required"
	}
	list, ok := rawFlow.([]any)
	if !ok {
		return "", nil, "flow must be an array of nodes"
	}
	if len(list) == 0 {
		return "", nil, "flow must contain at least one node"
	}
	nodes = make([]Node, 0, len(list))
	for i, item := range list {
		n, reason := parseNode(i, item)
		if reason != "" {
			return "", nil, reason
		}
		nodes = append(nodes, n)
	}
	return name, nodes, ""
}

func parseNode(i int, item any) (Node, string) {
	obj, ok := item.(map[string]any)
	if !ok {
		return Node{}, fmt.Sprintf("flow[%d] must be an object", i)
	}
	field := func(name string) string { return fmt.Sprintf("flow[%d].%s", i, name) }
	var n Node
	var reason string
	if n.WaitingTime, reason = intField(obj, field("waitingTime"), "waitingTime", true); reason != "" {
		return Node{}, reason
	}
	if n.WaitingTime < waitingTimeMin || n.WaitingTime > waitingTimeMax {
		return Node{}, fmt.Sprintf("%s must be between %d and %d seconds (got %d)", field("waitingTime"), waitingTimeMin, waitingTimeMax, n.WaitingTime)
	}
	if n.Status, reason = intField(obj, field("status"), "status", true); reason != "" {
		return Node{}, reason
	}
	if n.Status != 1 && n.Status != 2 {
		return Node{}, fmt.Sprintf("%s must be 1 (send failure) or 2 (not checked) (got %d)", field("status"), n.Status)
	}
	rawChannel, present := obj["channel"]
	if !present || rawChannel == nil {
		return Node{}, field("channel") + " is required"
	}
	if n.Channel, ok = rawChannel.(string); !ok || (n.Channel != "sms" && n.Channel != "call") {
		return Node{}, fmt.Sprintf("%s must be \"sms\" or \"call\" (got %s)", field("channel"), show(rawChannel))
	}
	if n.ChannelCut, reason = intField(obj, field("channelCut"), "channelCut", false); reason != "" {
		return Node{}, reason
	}
	if n.ChannelCut != 0 && n.ChannelCut != 1 {
		return Node{}, fmt.Sprintf("%s must be 0 (switch channel) or 1 (don't switch) (got %d)", field("channelCut"), n.ChannelCut)
	}
	return n, ""
}

// intField reads an integer; an absent or null optional field is 0, the
// vendor's default for the only optional one (channelCut).
func intField(obj map[string]any, label, key string, required bool) (int, string) {
	raw, ok := obj[key]
	if !ok || raw == nil {
		if required {
			return 0, label + " is required"
		}
		return 0, ""
	}
	num, ok := raw.(json.Number)
	if !ok {
		return 0, fmt.Sprintf("%s must be an integer (got %s)", label, show(raw))
	}
	v, err := num.Int64()
	if err != nil || v < -1<<31 || v > 1<<31-1 {
		return 0, fmt.Sprintf("%s must be an integer (got %s)", label, num)
	}
	return int(v), ""
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 40 {
		return fmt.Sprintf("a %T", v)
	}
	return string(b)
}
