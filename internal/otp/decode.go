package otp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The API's answers are documented loosely (ids typed as int on one page and
// string on another, booleans that may arrive as 0/1), so the wire types
// below accept every plausible spelling of a value and turn it into one Go
// type. A value that fits none is an error, never a silent zero.

// scalar reads a JSON scalar as text: a string's contents, a number's
// digits; null is ok with null set. Anything else is an error.
func scalar(b []byte) (text string, null bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return "", true, nil
	case len(b) > 0 && b[0] == '"':
		err = json.Unmarshal(b, &text)
		return text, false, err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", false, fmt.Errorf("not a string or a number: %s", snippet(b))
	}
	return n.String(), false, nil
}

// flexInt decodes a JSON number, a string holding an integer, or null (0).
type flexInt int64

func (v *flexInt) UnmarshalJSON(b []byte) error {
	text, null, err := scalar(b)
	if err != nil || null {
		*v = 0
		return err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", snippet([]byte(text)))
	}
	*v = flexInt(n)
	return nil
}

// flexString decodes a JSON string, a number (as its decimal text), or null ("").
type flexString string

func (v *flexString) UnmarshalJSON(b []byte) error {
	text, _, err := scalar(b)
	*v = flexString(text)
	return err
}

// flexBool decodes true/false, 0/1, "true"/"false"/"0"/"1", or null (false).
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch strings.ToLower(s) {
	case "true", "1":
		*v = true
	case "false", "0", "null", "":
		*v = false
	default:
		return fmt.Errorf("not a boolean: %s", snippet(b))
	}
	return nil
}

// isEmpty reports data that carries no object: absent, null, or an empty
// object, array or string, which some servers send instead of an error.
func isEmpty(data json.RawMessage) bool {
	switch string(bytes.TrimSpace(data)) {
	case "", "null", "{}", "[]", `""`:
		return true
	}
	return false
}

// decodeOne decodes one object of kind W and converts it. ok is false when
// the data carries no object.
func decodeOne[W any, T any](data json.RawMessage, noun string, conv func(W) (T, bool)) (T, bool, error) {
	var zero T
	if isEmpty(data) {
		return zero, false, nil
	}
	var w W
	if err := json.Unmarshal(data, &w); err != nil {
		return zero, false, fmt.Errorf("decoding the %s: %w", noun, err)
	}
	t, ok := conv(w)
	return t, ok, nil
}

// decodeMany decodes a list answer; absent or null data is an empty list.
// Entries that carry nothing are skipped rather than failing the whole list.
func decodeMany[W any, T any](data json.RawMessage, noun string, conv func(W) (T, bool)) ([]T, error) {
	if isEmpty(data) {
		return nil, nil
	}
	var ws []W
	if err := json.Unmarshal(data, &ws); err != nil {
		return nil, fmt.Errorf("decoding the %s list: %w", noun, err)
	}
	out := make([]T, 0, len(ws))
	for _, w := range ws {
		if t, ok := conv(w); ok {
			out = append(out, t)
		}
	}
	return out, nil
}
