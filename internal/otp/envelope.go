package otp

import (
	"bytes"
	"encoding/json"
	"strings"
)

// envelope is the vendor's answer wrapper. Status is a string in the docs; a
// number is accepted too.
type envelope struct {
	Status string
	Reason string
	Data   json.RawMessage
}

// decodeEnvelope turns an HTTP answer into an envelope or an error. Success
// is decided by the body's status, never by the HTTP status alone: business
// errors arrive as HTTP 200, and a proxy may answer 5xx with an HTML page.
func decodeEnvelope(op string, httpStatus int, body []byte) (envelope, error) {
	env, ok := parseEnvelope(body)
	switch {
	case !ok:
		// Not the vendor's envelope at all: report the HTTP status and what
		// the body looked like, whatever the status was.
		return envelope{}, &HTTPError{Operation: op, StatusCode: httpStatus, Snippet: snippet(body)}
	case env.Status != CodeSuccess:
		return env, &APIError{Operation: op, Code: env.Status, Reason: env.Reason, HTTPStatus: httpStatus}
	case httpStatus < 200 || httpStatus > 299:
		// A success envelope under an error status is contradictory; trust
		// neither and let the caller treat it as a failed request.
		return envelope{}, &HTTPError{Operation: op, StatusCode: httpStatus, Snippet: snippet(body)}
	}
	return env, nil
}

// parseEnvelope reports ok only for a JSON object with a usable status.
func parseEnvelope(body []byte) (envelope, bool) {
	var raw struct {
		Status json.RawMessage `json:"status"`
		Reason json.RawMessage `json:"reason"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return envelope{}, false
	}
	status, ok := scalarString(raw.Status)
	if !ok || status == "" {
		return envelope{}, false
	}
	reason, _ := scalarString(raw.Reason)
	return envelope{Status: status, Reason: reason, Data: raw.Data}, true
}

// scalarString reads a JSON string or number as text.
func scalarString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return strings.TrimSpace(s), true
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", false
	}
	return n.String(), true
}
