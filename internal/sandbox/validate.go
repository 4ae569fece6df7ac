package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// Every kind's name: required, 4 to 32 characters, unique per account.
const (
	nameMinChars = 4
	nameMaxChars = 32
)

// body is a JSON object under validation, read the way the vendor
// documents its fields. Reads are strictly typed: a number sent as a string
// is refused, so that a client bug cannot hide behind leniency the real API
// may not have. Only the first broken rule is kept, so a parser reads
// straight through and looks at reason once, at the end.
type body struct {
	obj    map[string]any
	prefix string  // "flow[1]." inside a node, so reasons name fields as a client sees them
	first  *string // the first broken rule, shared with the readers of nested objects
}

func decodeBody(raw []byte) *body {
	b := &body{first: new(string)}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&b.obj); err != nil || b.obj == nil {
		b.failf("the request body must be a JSON object")
	}
	return b
}

// inner reads a nested object; its broken rules count as the outer one's.
func (b *body) inner(obj map[string]any, prefix string) *body {
	return &body{obj: obj, prefix: prefix, first: b.first}
}

func (b *body) reason() string { return *b.first }

func (b *body) failf(format string, a ...any) {
	if *b.first == "" {
		*b.first = fmt.Sprintf(format, a...)
	}
}

func (b *body) label(field string) string { return b.prefix + field }

// has says whether a field was sent at all, null included.
func (b *body) has(field string) bool {
	_, sent := b.obj[field]
	return sent
}

// value returns a field, nil when absent or null: the vendor's samples send
// null for "not set".
func (b *body) value(field string, required bool) any {
	v := b.obj[field]
	if v == nil && required {
		b.failf("%s is required", b.label(field))
	}
	return v
}

// integer reads a whole number; def is for an absent optional field.
func (b *body) integer(field string, required bool, def int64) int64 {
	raw := b.value(field, required)
	if raw == nil {
		return def
	}
	num, isNum := raw.(json.Number)
	if !isNum {
		b.failf("%s must be an integer (got %s)", b.label(field), show(raw))
		return def
	}
	v, err := num.Int64()
	if err != nil {
		b.failf("%s must be an integer (got %s)", b.label(field), num)
		return def
	}
	return v
}

// intIn reads a whole number that must lie in [lo, hi]; unit, if any, ends
// the reason (" seconds").
func (b *body) intIn(field string, required bool, def, lo, hi int64, unit string) int64 {
	v := b.integer(field, required, def)
	if v < lo || v > hi {
		b.failf("%s must be between %d and %d%s (got %d)", b.label(field), lo, hi, unit, v)
	}
	return v
}

func (b *body) str(field string, required bool, def string) string {
	raw := b.value(field, required)
	if raw == nil {
		return def
	}
	s, isString := raw.(string)
	if !isString {
		b.failf("%s must be a string (got %s)", b.label(field), show(raw))
		return def
	}
	return s
}

// chars checks a length in characters, not bytes: names may be Chinese.
func (b *body) chars(field, s string, lo, hi int) {
	if n := utf8.RuneCountInString(s); n < lo || n > hi {
		b.failf("%s must be %d to %d characters long (got %d)", b.label(field), lo, hi, n)
	}
}

// boolean reads an optional flag, false when absent.
func (b *body) boolean(field string) bool {
	raw := b.value(field, false)
	if raw == nil {
		return false
	}
	v, isBool := raw.(bool)
	if !isBool {
		b.failf("%s must be true or false (got %s)", b.label(field), show(raw))
	}
	return v
}

// nameField describes the name every kind has, for the reference.
func nameField(many string) Field {
	return field("name", TypeString).chars(nameMinChars, nameMaxChars).means("unique among the account's " + many).required()
}

// regexpQuote is s as a regular expression that matches it anywhere.
func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

// name reads the name every kind has.
func (b *body) name() string {
	s := b.str("name", true, "")
	b.chars("name", s, nameMinChars, nameMaxChars)
	return s
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 40 {
		return fmt.Sprintf("a %T", v)
	}
	return string(b)
}
