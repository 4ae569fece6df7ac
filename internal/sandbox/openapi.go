package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The sandbox's OpenAPI 3.1 document, made from the route table: every
// route with its parameters, body (from its fields' rules), answers (from
// the Go types its handler encodes) and failures, and the signature scheme.
// It is served at GET /_sandbox/openapi.json, written to docs/sandbox/ by
// `make docs`, and the tests check every request they send and every answer
// they get against it (internal/apicheck), so that a route or a field that
// drifts from it fails.

// OpenAPIPath is where the sandbox serves its OpenAPI document.
const OpenAPIPath = "/_sandbox/openapi.json"

// DefaultURL is the sandbox's address in the written document: where
// otp-sandbox listens by default.
const DefaultURL = "http://127.0.0.1:8787"

// OpenAPI is the document of a sandbox whose vendor API is mounted at
// prefix ("/otp") and served at base ("http://127.0.0.1:8787").
func OpenAPI(prefix, base string) []byte {
	b, err := json.MarshalIndent(openAPIDocument(prefix, base), "", "  ")
	if err != nil {
		panic("sandbox: the OpenAPI document does not encode: " + err.Error())
	}
	return append(b, '\n')
}

// object is a JSON object of the document.
type object = map[string]any

// The failures every vendor route may answer besides its own: a
// signature refused or stale, the system error (a fault, or a state file
// that cannot be written), a body that cannot be read, a sandbox that
// holds its most accounts.
var vendorCommon = []Reply{
	refuses(codeAuth, "a bad key or signature"),
	refuses(codeExpired, "a timestamp outside the window"),
	refuses(codeSystem, "the system error fault, or a state file that could not be written: retry"),
	refuses(codeParameter, "a body that cannot be read"),
	refuses(codeCaps, "the sandbox holds its most accounts"),
}

// The HTTP statuses every control route may answer besides its own.
var controlCommon = []Reply{
	replies(http.StatusBadRequest, "for an unknown key, or none where one is required", nil),
	replies(http.StatusUnauthorized, "without the control token or a valid signature", nil),
	replies(http.StatusForbidden, "when the sandbox has no control token, or a signed request names another account", nil),
	replies(http.StatusRequestEntityTooLarge, "for a body over 1 MiB", nil),
	replies(http.StatusInternalServerError, "when the state file could not be written: nothing was changed", nil),
	replies(http.StatusServiceUnavailable, "when the sandbox holds its most accounts, or the account was forgotten meanwhile", nil),
}

// unknownParams is the answer of every route under /_sandbox/ to a query
// parameter it does not take (onlyItsParams).
var unknownParams = replies(http.StatusBadRequest, "for a query parameter the route does not take, or a query that cannot be read "+
	"(the error names it, and those the route takes)", nil)

// queryRule is the document's extension that says, on each operation,
// what the sandbox does with a query parameter the operation does not
// list: "refused" on the routes about an account's data (400,
// unknownParams), "ignored" on the vendor's routes, the page's, health's
// and the document's own. internal/apicheck holds requests to it.
const queryRule = "x-unknown-query-parameters"

func openAPIDocument(prefix, base string) object {
	g := &gen{schemas: object{}, types: map[string]reflect.Type{}}
	paths := object{}
	for _, r := range Routes() {
		path := r.Path
		if r.Auth == AuthSigned {
			path = prefix + path
		}
		item, _ := paths[path].(object)
		if item == nil {
			item = object{}
			paths[path] = item
		}
		item[strings.ToLower(r.Method)] = g.operation(r)
	}
	return object{
		"openapi": "3.1.0",
		"info": object{
			"title":   "otp-sandbox",
			"version": "1.0.0",
			"summary": "A local, stateful implementation of the Itniotech OTP API, with a control surface for tests.",
			"description": "The vendor's routes (under " + prefix + ") answer as the vendor does: HTTP 200 with the envelope " +
				`{"status": "<code>", "reason": "<why>", "data": …}, status a string, "0" for success and data only then; ` +
				"a failure's reason names the field or object. The control surface (under " + controlPrefix + ") answers with HTTP " +
				"statuses and JSON, a failure as {\"error\": \"<why>\"}. Request bodies are read as JSON whatever their Content-Type " +
				"header says. The web inbox, a page for a browser at / with its files under " + pageFiles + ", reads the control " +
				"surface like any client.\n\n" + SignatureScheme + "\n\n" + ControlConventions,
			"license": object{"name": "Mozilla Public License 2.0", "identifier": "MPL-2.0"},
		},
		"servers": []any{object{"url": base, "description": "the sandbox (otp-sandbox -listen; " + DefaultURL + " by default)"}},
		"tags": []any{
			object{"name": "configuration", "description": "The vendor's routes of task flows, apps and templates."},
			object{"name": "otp", "description": "The vendor's routes that send and check codes."},
			object{"name": "phone", "description": "What a phone fetches: the sna URLs."},
			object{"name": "control", "description": "The sandbox's control surface, for tests: the console, messages, clock, numbers, " +
				"settings, faults, counters, export and import."},
			object{"name": "sandbox", "description": "About the sandbox itself: its health and this document."},
			object{"name": "page", "description": "The web inbox: the page and its files, for a browser."},
		},
		"paths": paths,
		"components": object{
			"securitySchemes": object{
				"signature": object{"type": "apiKey", "in": "header", "name": "Api-Key", "description": SignatureScheme},
				"controlToken": object{"type": "http", "scheme": "bearer", "description": "The control token " +
					"(otp-sandbox -control-token or $OTP_SANDBOX_CONTROL_TOKEN): it reaches every account, named by ?key=."},
			},
			"parameters": object{
				"Timestamp": object{"name": "Timestamp", "in": "header", "required": true, "description": "Unix time in seconds " +
					"(since 1970, UTC) as a decimal string: 10 digits, not milliseconds. It must be within the sandbox's window " +
					"(-window, 5 minutes by default) of the sandbox's clock, else -16.",
					"schema": object{"type": "string", "pattern": "^[0-9]{1,10}$"}},
				"Sign": object{"name": "Sign", "in": "header", "required": true, "description": "md5 of the key, the secret and the " +
					"Timestamp header, concatenated, as 32 hex digits (lower case in the vendor's samples; either case is accepted).",
					"schema": object{"type": "string", "pattern": "^[0-9a-fA-F]{32}$"}},
				"key": object{"name": "key", "in": "query", "required": false, "description": "The API key of the account the " +
					"request is about (with the control token; a signed request may leave it out).", "schema": object{"type": "string"}},
			},
			"schemas": g.schemas,
		},
	}
}

// SignatureScheme says how the vendor's routes are signed.
const SignatureScheme = `Every request to the vendor's routes is signed with three headers: Api-Key (the account's key), ` +
	`Timestamp (Unix time in seconds, as a decimal string) and Sign (the md5, in hex, of key + secret + timestamp, ` +
	`concatenated without separators; the body, path and query are not signed). ` +
	`The vendor's worked example: key bDqJFiq9, secret 7bz1lzh9, timestamp 1630468800 → md5("bDqJFiq97bz1lzh91630468800") = ` +
	`05d7a50893e22a5c4bb3216ae3396c7c. A bad key or signature answers -1; a timestamp outside the window answers -16. ` +
	`The control surface takes the same headers, signed with the account's own key and secret, as an alternative to the control token.`

// gen makes the operations, and collects the schemas of the Go types the
// answers carry.
type gen struct {
	schemas object
	types   map[string]reflect.Type // by component name: two types must not share one
}

func (g *gen) operation(r Route) object {
	op := object{
		"operationId": operationID(r),
		"summary":     summary(r.Does),
		"description": r.Does,
		"tags":        []any{tag(r)},
	}
	var params []any
	for _, p := range r.Params {
		params = append(params, parameter(p))
	}
	switch r.Auth {
	case AuthSigned:
		params = append(params, object{"$ref": "#/components/parameters/Timestamp"}, object{"$ref": "#/components/parameters/Sign"})
		op["security"] = []any{object{"signature": []any{}}}
	case AuthControl:
		params = append(params, object{"$ref": "#/components/parameters/key"})
		op["security"] = []any{object{"controlToken": []any{}}, object{"signature": []any{}}}
	default:
		op["security"] = []any{}
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	op[queryRule] = "ignored"
	if r.Auth == AuthControl {
		op[queryRule] = "refused"
	}
	if r.Body != "" {
		var schema object
		if r.BodyOf != nil {
			schema = g.typeSchema(reflect.TypeOf(r.BodyOf))
		} else {
			schema = objectSchema(r.Fields, r.Auth != AuthSigned)
		}
		schema["description"] = r.Body
		op["requestBody"] = object{"required": true, "content": object{"application/json": object{"schema": schema}}}
	}
	if r.Auth == AuthSigned {
		op["responses"] = g.vendorResponses(r)
	} else {
		op["responses"] = g.responses(r)
	}
	return op
}

// vendorResponses are a vendor route's: HTTP 200 with the envelope, its
// success or one of its failures; and the 502 of the bad-gateway fault.
func (g *gen) vendorResponses(r Route) object {
	var ok Reply
	var codes, why []string
	common := map[string]string{} // code → why, of those the route does not say itself
	for _, c := range vendorCommon {
		codes = append(codes, c.Code)
		common[c.Code] = c.When
	}
	for _, rep := range r.Replies {
		if rep.success() {
			ok = rep
			continue
		}
		codes = append(codes, rep.Code)
		line := rep.Code + " " + rep.When
		// A code the route has and every route has is one line: "-22 for a
		// broken rule…, or a body that cannot be read", not two.
		if also, found := common[rep.Code]; found {
			line += ", or " + also
			delete(common, rep.Code)
		}
		why = append(why, line)
	}
	slices.SortFunc(codes, func(a, b string) int { return numeric(b) - numeric(a) })
	codes = slices.Compact(codes)
	data := object{"type": "null"}
	if ok.Data != nil {
		data = g.typeSchema(reflect.TypeOf(ok.Data))
	}
	success := object{
		"type": "object", "additionalProperties": false, "required": []any{"status", "reason", "data"},
		"properties": object{"status": object{"const": codeSuccess}, "reason": object{"const": reasonOf(codeSuccess)}, "data": data},
	}
	var enum []any
	for _, c := range codes {
		enum = append(enum, c)
	}
	failure := object{
		"type": "object", "additionalProperties": false, "required": []any{"status", "reason"},
		"properties": object{
			"status": object{"enum": enum, "description": "the vendor's status code"},
			"reason": object{"type": "string", "description": "the vendor's reason for the code, then what was wrong (the field, the object)"},
		},
	}
	desc := "status 0 and " + ok.When
	if len(why) > 0 {
		desc += "; or a failure: " + strings.Join(why, "; ")
	}
	var rest []string
	for _, c := range vendorCommon {
		if also, left := common[c.Code]; left {
			rest = append(rest, c.Code+" ("+also+")")
		}
	}
	desc += "; or, as on every vendor route, " + strings.Join(rest, ", ")
	return object{
		"200": object{"description": desc, "content": object{"application/json": object{"schema": object{"oneOf": []any{success, failure}}}}},
		"502": object{"description": "the badGatewayRate fault: an HTML page, as a proxy in front of the API would answer",
			"content": object{"text/html": object{"schema": object{"type": "string"}}}},
	}
}

// responses are a control (or unauthenticated) route's: its own, then
// those every control route shares.
func (g *gen) responses(r Route) object {
	all := slices.Clone(r.Replies)
	if r.Auth == AuthControl {
		all = append(all, controlCommon...)
	}
	if r.Auth == AuthControl {
		all = append(all, unknownParams)
	}
	out := object{}
	for _, rep := range all {
		key := strconv.Itoa(rep.HTTP)
		desc := strings.TrimSpace(key + " " + rep.When)
		if rep.success() && rep.When != "" {
			desc = key + " and " + rep.When
		}
		if prev, seen := out[key].(object); seen {
			prev["description"] = prev["description"].(string) + "; " + desc
			continue
		}
		resp := object{"description": desc}
		switch {
		case rep.Media != nil && len(rep.Media) == 0: // no body
		case len(rep.Media) > 0:
			media := object{}
			for _, m := range rep.Media {
				media[m] = object{"schema": object{"type": "string"}}
			}
			resp["content"] = media
		case rep.Data != nil:
			resp["content"] = object{"application/json": object{"schema": g.typeSchema(reflect.TypeOf(rep.Data))}}
		case !rep.success():
			resp["content"] = object{"application/json": object{"schema": object{"$ref": "#/components/schemas/Error"}}}
		}
		out[key] = resp
	}
	g.schemas["Error"] = object{
		"type": "object", "additionalProperties": false, "required": []any{"error"},
		"properties": object{"error": object{"type": "string", "description": "why"}},
	}
	return out
}

func numeric(code string) int {
	n, _ := strconv.Atoi(code)
	return n
}

// operationID names an operation: "flowAdd" for POST /flow/add,
// "getMessages" for GET /_sandbox/messages, "patchFlowsById".
func operationID(r Route) string {
	var b strings.Builder
	if r.Auth != AuthSigned {
		b.WriteString(strings.ToLower(r.Method))
	}
	for _, seg := range strings.Split(strings.TrimSuffix(r.Path, ".json"), "/") {
		switch {
		case seg == "" || seg == strings.Trim(controlPrefix, "/"):
		case strings.HasPrefix(seg, "{"):
			if r.Auth != AuthSigned {
				b.WriteString("By" + upperFirst(strings.Trim(seg, "{}")))
			}
		default:
			if b.Len() == 0 {
				b.WriteString(seg)
			} else {
				b.WriteString(upperFirst(seg))
			}
		}
	}
	if b.Len() == len(r.Method) { // "/": the page
		b.WriteString("Root")
	}
	return b.String()
}

func upperFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// summary is the first sentence of what a route does.
func summary(does string) string {
	if i := strings.Index(does, ". "); i >= 0 {
		return does[:i]
	}
	return strings.TrimSuffix(does, ".")
}

func tag(r Route) string {
	switch {
	case r.Auth == AuthSigned && (strings.HasPrefix(r.Path, "/flow/") || strings.HasPrefix(r.Path, "/app/") || strings.HasPrefix(r.Path, "/template/")):
		return "configuration"
	case r.Auth == AuthSigned:
		return "otp"
	case r.Path == HealthPath || r.Path == OpenAPIPath:
		return "sandbox"
	case r.Path == "/" || strings.HasPrefix(r.Path, pageFiles):
		return "page"
	case strings.HasPrefix(r.Path, controlPrefix):
		return "control"
	}
	return "phone"
}

// parameter is a path ("{id}") or query ("?to=") parameter.
func parameter(p Field) object {
	in, name := "query", strings.TrimSuffix(strings.TrimPrefix(p.Name, "?"), "=")
	if strings.HasPrefix(p.Name, "{") {
		in, name = "path", strings.Trim(p.Name, "{}")
	}
	schema := fieldSchema(p, false)
	schema["type"] = p.Type // a parameter is absent, never null
	delete(schema, "description")
	if len(p.Choices) > 0 {
		delete(schema, "type")
		schema["enum"] = choiceValues(p.Choices)
	}
	return object{"name": name, "in": in, "required": in == "path" || p.Required, "description": p.Values, "schema": schema}
}

// objectSchema is the schema of an object of fields; strict objects take
// no other field (the control surface's bodies, decoded strictly).
func objectSchema(fields []Field, strict bool) object {
	props := object{}
	var required []any
	var conditional []Field
	for _, f := range fields {
		if f.RequiredIf != "" {
			conditional = append(conditional, f)
			props[f.Name] = object{"description": f.Values}
			continue
		}
		props[f.Name] = fieldSchema(f, strict)
		if f.Required {
			required = append(required, f.Name)
		}
	}
	s := object{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	if strict {
		s["additionalProperties"] = false
	}
	if forms := givenForms(fields, strict); len(forms) > 0 {
		s["oneOf"] = forms
	}
	if len(conditional) > 0 {
		// Required, and held to their rules, only when the flag is true;
		// otherwise ignored, whatever they hold.
		flag := conditional[0].RequiredIf
		then := object{}
		var names []any
		for _, f := range conditional {
			f.Required = true
			then[f.Name] = fieldSchema(f, strict)
			names = append(names, f.Name)
		}
		s["if"] = object{"required": []any{flag}, "properties": object{flag: object{"const": true}}}
		s["then"] = object{"required": names, "properties": then}
	}
	return s
}

// givenForms are the forms of an object with alternative fields, one per
// alternative: that field given (present, not null; true when it is a
// true-or-false field). The object must match exactly one.
func givenForms(fields []Field, strict bool) []any {
	var forms []any
	for _, f := range fields {
		if !f.Alternative {
			continue
		}
		f.Required = true
		given := fieldSchema(f, strict)
		if f.Type == TypeBoolean {
			given = object{"const": true}
		}
		delete(given, "description")
		forms = append(forms, object{"required": []any{f.Name}, "properties": object{f.Name: given}})
	}
	return forms
}

// fieldSchema is the JSON Schema of a field's value: a field that is not
// required may be null, which the sandbox reads as absent.
func fieldSchema(f Field, strict bool) object {
	s := object{}
	if f.Values != "" {
		s["description"] = f.Values
	}
	nullable := !f.Required
	switch {
	case f.Forbidden:
		s["not"] = object{}
		return s
	case len(f.Either) > 0:
		var forms []any
		for _, e := range f.Either {
			forms = append(forms, fieldSchema(e, strict))
		}
		if nullable {
			forms = append(forms, object{"type": "null"})
		}
		s["anyOf"] = forms
		return s
	case len(f.Choices) > 0:
		enum := choiceValues(f.Choices)
		if nullable {
			enum = append(enum, nil)
		}
		s["enum"] = enum
	case f.Type == TypeObject:
		maps := objectSchema(f.Fields, strict)
		for k, v := range maps {
			s[k] = v
		}
		if nullable {
			s["type"] = []any{TypeObject, "null"}
		}
	case f.Type != "":
		s["type"] = f.Type
		if nullable {
			s["type"] = []any{f.Type, "null"}
		}
	}
	if f.Min != nil {
		s["minimum"] = *f.Min
	}
	if f.Max != nil && *f.Max < maxBound {
		s["maximum"] = *f.Max
	}
	switch f.Type {
	case TypeString:
		if f.MinLen > 0 {
			s["minLength"] = f.MinLen
		}
		if f.MaxLen > 0 {
			s["maxLength"] = f.MaxLen
		}
	case TypeArray:
		if f.MinLen > 0 {
			s["minItems"] = f.MinLen
		}
		if f.MaxLen > 0 {
			s["maxItems"] = f.MaxLen
		}
		switch {
		case f.Item != nil:
			it := fieldSchema(*f.Item, strict)
			if len(f.Item.Choices) > 0 {
				it["enum"] = choiceValues(f.Item.Choices) // an item is never null
			} else if f.Item.Type != "" {
				it["type"] = f.Item.Type
			}
			s["items"] = it
		case len(f.Fields) > 0:
			s["items"] = objectSchema(f.Fields, strict)
		}
	}
	if f.Pattern != "" {
		s["pattern"] = f.Pattern
	}
	if f.Format != "" {
		s["format"] = f.Format
	}
	if f.Default != nil {
		s["default"] = jsonValue(f.Default)
	}
	return s
}

func choiceValues(cs []Choice) []any {
	out := make([]any, len(cs))
	for i, c := range cs {
		out[i] = jsonValue(c.Value)
	}
	return out
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// typeSchema is the schema of what encoding/json makes of a value of t:
// a struct's fields are required unless omitted when empty, a pointer may
// be null, and a struct of a name is a component of that name.
func (g *gen) typeSchema(t reflect.Type) object {
	switch t {
	case timeType:
		return object{"type": "string", "format": "date-time"}
	case rawType:
		return object{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return object{"anyOf": []any{g.typeSchema(t.Elem()), object{"type": "null"}}}
	case reflect.Bool:
		return object{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return object{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return object{"type": "number"}
	case reflect.String:
		return object{"type": "string"}
	case reflect.Slice, reflect.Array:
		return object{"type": "array", "items": g.typeSchema(t.Elem())}
	case reflect.Map:
		return object{"type": "object", "additionalProperties": g.typeSchema(t.Elem())}
	case reflect.Interface:
		return object{}
	case reflect.Struct:
		name := upperFirst(t.Name())
		if t.Name() == "" {
			return g.structSchema(t)
		}
		if seen, named := g.types[name]; named && seen != t {
			panic(fmt.Sprintf("sandbox: the OpenAPI document names both %s and %s %s: rename one", seen, t, name))
		}
		g.types[name] = t
		if _, done := g.schemas[name]; !done {
			g.schemas[name] = object{} // a type that holds itself ends here
			g.schemas[name] = g.structSchema(t)
		}
		return object{"$ref": "#/components/schemas/" + name}
	}
	panic(fmt.Sprintf("sandbox: the OpenAPI document cannot describe %s", t))
}

func (g *gen) structSchema(t reflect.Type) object {
	props := object{}
	var required []any
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				walk(f.Type) // encoding/json lifts an embedded struct's fields
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = g.typeSchema(f.Type)
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				required = append(required, name)
			}
		}
	}
	walk(t)
	s := object{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// openAPIRoute serves the document.
func openAPIRoute() route {
	return route{Route: Route{
		Method: "GET", Path: OpenAPIPath, Auth: AuthNone,
		Does: "This API's OpenAPI 3.1 document: every route the sandbox serves (the vendor's and the control surface's), " +
			"with its parameters, body, answers and failures, and the signature scheme. Needs no token and no key: it is no secret, " +
			"and a client generator can fetch it.",
		Replies: []Reply{replies(http.StatusOK, "the document", json.RawMessage(nil))},
	}, plain: func(s *Server, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(OpenAPI(s.opts.Prefix, s.publicBase()))
	}}
}

// publicBase is the sandbox's address in the document it serves: the
// public URL it was given, else DefaultURL.
func (s *Server) publicBase() string {
	if s.opts.PublicURL != "" {
		return s.opts.PublicURL
	}
	return DefaultURL
}
