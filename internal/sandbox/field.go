package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The fields of the route table, described once, as rules: a field's type,
// range, length, choices, default and whether it is required. The prose of
// the reference (otp-sandbox -h, the README: Field.Values) and the schemas
// of the OpenAPI document (openapi.go) are both made from these rules, so
// that neither can say what the other does not.

// The types of a Field, as JSON Schema names them.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
	TypeObject  = "object"
	TypeArray   = "array"
)

// Field describes a field of a JSON body by its API name, or a path or
// query parameter ("{id}", "?key=").
type Field struct {
	Name string
	// Values says the field's type, rules and meaning in a phrase, for
	// people: made from the rules below (describe), never written apart
	// from them. The service notes, which are topics rather than fields,
	// set it alone.
	Values string
	// Fields are an object's fields, or those of each object of an array.
	Fields []Field

	Type  string // TypeString...; "" takes any value
	Means string // what the field is for, after its rules
	// Required fields must be sent, and not as null; a field that is not
	// required may be sent as null, which is read as absent.
	Required bool
	// RequiredIf names a true-or-false field of the same object: this one
	// is required, and its rules apply, only when that one is true
	// (otherwise it is ignored).
	RequiredIf string
	// Min and Max bound a number.
	Min, Max *float64
	// MinLen and MaxLen bound a string's characters or an array's items;
	// MaxLen 0 is no bound.
	MinLen, MaxLen int
	Choices        []Choice // the values it may take, when they are few
	Default        any
	Pattern        string // a regular expression a string matches
	Format         string // "date-time"
	// Item is what each item of an array of plain values is (an array of
	// objects has Fields instead).
	Item *Field
	// Either lists the forms a field may take when it may take several
	// ("a string or a number").
	Either []Field
	// Fixed is set on a field no edit changes; Forbidden on one the body
	// must not carry.
	Fixed, Forbidden bool
	// Alternative fields of an object are ways of asking for one thing:
	// exactly one of them is given (not null; true, for a true-or-false
	// field).
	Alternative bool
}

// Choice is one value a field may take, and what it means.
type Choice struct {
	Value any
	Means string
}

// field starts a field's description; the methods below add its rules.
func field(name, typ string) Field { return Field{Name: name, Type: typ} }

func (f Field) means(s string) Field { f.Means = s; return f }
func (f Field) required() Field      { f.Required = true; return f }
func (f Field) requiredIf(b string) Field {
	f.RequiredIf = b
	return f
}
func (f Field) def(v any) Field        { f.Default = v; return f }
func (f Field) pattern(p string) Field { f.Pattern = p; return f }
func (f Field) format(s string) Field  { f.Format = s; return f }
func (f Field) of(fields ...Field) Field {
	f.Fields = fields
	return f
}
func (f Field) item(it Field) Field { f.Item = &it; return f }
func (f Field) alternative() Field  { f.Alternative = true; return f }

// between bounds a number: lo to hi; hi beyond every value (unbounded) is
// math.Inf(1).
func (f Field) between(lo, hi float64) Field { f.Min, f.Max = &lo, &hi; return f }
func (f Field) atLeast(lo float64) Field     { f.Min = &lo; return f }

// chars bounds a string's characters, or an array's items.
func (f Field) chars(lo, hi int) Field { f.MinLen, f.MaxLen = lo, hi; return f }

// choice describes a field that takes one of a few values.
func choice(name, typ string, cs ...Choice) Field {
	return Field{Name: name, Type: typ, Choices: cs}
}

// either describes a field that takes one of several forms.
func either(name string, forms ...Field) Field { return Field{Name: name, Either: forms} }

// describe fills in the Values of fields (and of what they hold) from
// their rules.
func describe(fields []Field) []Field {
	out := slices.Clone(fields)
	alts := alternatives(out)
	for i := range out {
		f := &out[i]
		f.Fields = describe(f.Fields)
		if f.Item != nil {
			it := describe([]Field{*f.Item})[0]
			f.Item = &it
		}
		f.Values = f.phrase()
		if f.Alternative {
			f.Values += "; send exactly one of " + alts
		}
	}
	return out
}

// alternatives names an object's alternative fields, as a phrase:
// "advanceSeconds and toNextStep (true)".
func alternatives(fields []Field) string {
	var names []string
	for _, f := range fields {
		if f.Alternative {
			name := f.Name
			if f.Type == TypeBoolean {
				name += " (true)"
			}
			names = append(names, name)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// phrase is Values: "integer, 30 to 120: seconds to wait before the step
// runs; required".
func (f Field) phrase() string {
	s := f.kind()
	if f.Means != "" {
		if s != "" {
			s += ": "
		}
		s += f.Means
	}
	if f.Default != nil && len(f.Choices) == 0 {
		s += "; default " + show(f.Default)
	}
	switch {
	case f.Forbidden:
		s += "; must not be sent"
	case f.Required:
		s += "; required"
	case f.RequiredIf != "":
		s += "; required when " + f.RequiredIf + " is true (else ignored)"
	}
	if f.Fixed {
		s += "; cannot change"
	}
	return s
}

// kind is the phrase of a field's type and rules, without its meaning.
func (f Field) kind() string {
	if len(f.Either) > 0 {
		forms := make([]string, len(f.Either))
		for i, e := range f.Either {
			forms[i] = e.kind()
			if e.Means != "" {
				forms[i] += " (" + e.Means + ")"
			}
		}
		return strings.Join(forms, ", or ")
	}
	if len(f.Choices) > 0 {
		cs := make([]string, len(f.Choices))
		for i, c := range f.Choices {
			note := c.Means
			if f.Default != nil && fmt.Sprint(c.Value) == fmt.Sprint(f.Default) {
				note = strings.TrimPrefix(note+"; the default", "; ")
			}
			cs[i] = show(c.Value)
			if note != "" {
				cs[i] += " (" + note + ")"
			}
		}
		if len(cs) == 1 {
			return cs[0]
		}
		return strings.Join(cs[:len(cs)-1], ", ") + " or " + cs[len(cs)-1]
	}
	switch f.Type {
	case TypeString:
		return "string" + lengths(f.MinLen, f.MaxLen, "characters")
	case TypeInteger, TypeNumber:
		return f.Type + f.bounds()
	case TypeBoolean:
		return "true or false"
	case TypeObject:
		return "object"
	case TypeArray:
		s := "array" + lengths(f.MinLen, f.MaxLen, "items")
		if f.Item != nil {
			s += " of " + f.Item.kind()
			if f.Item.Means != "" {
				s += " (" + f.Item.Means + ")"
			}
		}
		return s
	}
	return ""
}

func (f Field) bounds() string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	switch {
	case f.Min != nil && f.Max != nil && *f.Max < maxBound:
		return ", " + num(*f.Min) + " to " + num(*f.Max)
	case f.Min != nil:
		return ", " + num(*f.Min) + " or more"
	}
	return ""
}

// maxBound stands for no upper bound in between.
const maxBound = 1 << 62

func lengths(lo, hi int, unit string) string {
	switch {
	case hi > 0 && lo == hi:
		return fmt.Sprintf(", %d %s", lo, unit)
	case hi > 0:
		return fmt.Sprintf(", %d to %d %s", lo, hi, unit)
	case lo > 0:
		return fmt.Sprintf(", %d or more %s", lo, unit)
	}
	return ""
}

// jsonValue is a Go value as JSON would carry it, for the schema.
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sandbox: a field's value does not encode: " + err.Error())
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
