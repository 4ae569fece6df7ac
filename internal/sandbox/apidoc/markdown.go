package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// markdown renders the reference page from the OpenAPI document: what a
// person reads, from the same document a program reads.
func markdown(d map[string]any) string {
	var b strings.Builder
	info := obj(d["info"])
	fmt.Fprintf(&b, "# The sandbox's API\n\n")
	b.WriteString("<!-- Generated from docs/sandbox/openapi.json by internal/sandbox/apidoc (make docs): do not edit. -->\n\n")
	fmt.Fprintf(&b, "%s\n\n", str(info["summary"]))
	b.WriteString("Every route `otp-sandbox` serves: the vendor's (the Itniotech OTP API, as the sandbox implements it) and its " +
		"control surface, and the web inbox's page, with every parameter, field and rule, every answer and every failure. It is rendered from the " +
		"sandbox's OpenAPI 3.1 document, [`openapi.json`](openapi.json), which a running sandbox also serves at " +
		"`GET /_sandbox/openapi.json`: feed either to a client generator or an HTTP test tool. The sandbox's own tests check every " +
		"request they send and every answer they get against it.\n\n")
	for _, para := range strings.Split(str(info["description"]), "\n\n") {
		b.WriteString(cell(para, false) + "\n\n")
	}
	for _, s := range list(d["servers"]) {
		fmt.Fprintf(&b, "Server: `%s` (%s).\n\n", str(obj(s)["url"]), str(obj(s)["description"]))
	}

	paths := obj(d["paths"])
	type op struct{ method, path string }
	byTag := map[string][]op{}
	for _, path := range sortedKeys(paths) {
		for _, method := range []string{"get", "post", "put", "patch", "delete"} {
			if o, found := obj(paths[path])[method]; found {
				t := str(list(obj(o)["tags"])[0])
				byTag[t] = append(byTag[t], op{method, path})
			}
		}
	}
	tags := list(d["tags"])
	b.WriteString("## Contents\n\n")
	for _, t := range tags {
		name := str(obj(t)["name"])
		fmt.Fprintf(&b, "- [%s](#%s)\n", title(name), slug(title(name)))
		for _, o := range byTag[name] {
			heading := "`" + strings.ToUpper(o.method) + " " + o.path + "`"
			fmt.Fprintf(&b, "  - [%s](#%s)\n", heading, slug(heading))
		}
	}
	b.WriteString("- [Schemas](#schemas)\n\n")

	for _, t := range tags {
		name := str(obj(t)["name"])
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", title(name), str(obj(t)["description"]))
		for _, o := range byTag[name] {
			operation(&b, strings.ToUpper(o.method), o.path, obj(obj(paths[o.path])[o.method]), d)
		}
	}

	b.WriteString("## Schemas\n\nThe objects the answers carry, as the sandbox encodes them: a field is always present unless " +
		"marked optional; \"or null\" is JSON null.\n\n")
	schemas := obj(obj(d["components"])["schemas"])
	for _, name := range sortedKeys(schemas) {
		s := obj(schemas[name])
		fmt.Fprintf(&b, "### %s\n\n", name)
		props := obj(s["properties"])
		if len(props) == 0 {
			fmt.Fprintf(&b, "%s.\n\n", typeOf(s))
			continue
		}
		required := list(s["required"])
		b.WriteString("| field | type |\n| --- | --- |\n")
		for _, p := range sortedKeys(props) {
			typ := typeOf(obj(props[p]))
			if !slices.Contains(required, any(p)) {
				typ += " (optional)"
			}
			fmt.Fprintf(&b, "| `%s` | %s |\n", p, typ)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func operation(b *strings.Builder, method, path string, o, d map[string]any) {
	fmt.Fprintf(b, "### `%s %s`\n\n%s\n\n", method, path, cell(str(o["description"]), false))
	switch sec := list(o["security"]); {
	case len(sec) == 0:
		b.WriteString("Authentication: none.\n\n")
	case len(sec) == 1:
		b.WriteString("Authentication: the vendor's signature (the `Api-Key`, `Timestamp` and `Sign` headers).\n\n")
	default:
		b.WriteString("Authentication: the control token (`Authorization: Bearer <token>`), or the account's signature.\n\n")
	}
	var params [][]string
	firstHeader := -1
	for _, p := range list(o["parameters"]) {
		p := resolve(obj(p), d)
		req := ""
		if p["required"] == true {
			req = "required"
		}
		if p["in"] == "header" && firstHeader < 0 {
			firstHeader = len(params)
		}
		params = append(params, []string{"`" + str(p["name"]) + "`", str(p["in"]), req, cell(str(p["description"]), true)})
	}
	if row := keyHeader(o, d); row != nil {
		if firstHeader < 0 {
			firstHeader = len(params)
		}
		params = slices.Insert(params, firstHeader, row)
	}
	if len(params) > 0 {
		b.WriteString("| parameter | in | | what |\n| --- | --- | --- | --- |\n")
		for _, row := range params {
			fmt.Fprintf(b, "| %s |\n", strings.Join(row, " | "))
		}
		b.WriteString("\n")
	}
	if body := obj(o["requestBody"]); body != nil {
		schema := obj(obj(obj(body["content"])["application/json"])["schema"])
		fmt.Fprintf(b, "Body: %s.\n\n", cell(str(schema["description"]), false))
		if props := obj(schema["properties"]); len(props) > 0 {
			b.WriteString("| field | values |\n| --- | --- |\n")
			fields(b, schema, "")
			b.WriteString("\n")
		} else if ref := str(schema["$ref"]); ref != "" {
			fmt.Fprintf(b, "It is %s.\n\n", typeOf(schema))
		}
	}
	b.WriteString("| answer | what |\n| --- | --- |\n")
	responses := obj(o["responses"])
	for _, status := range sortedKeys(responses) {
		r := obj(responses[status])
		what := cell(str(r["description"]), true)
		var text []string // the media types of an answer that is not JSON
		for _, ct := range sortedKeys(obj(r["content"])) {
			s := obj(obj(obj(r["content"])[ct])["schema"])
			if alts := list(s["oneOf"]); len(alts) == 2 {
				// A vendor route: its success's data, and its failures' codes.
				ok, fail := obj(alts[0]), obj(alts[1])
				what = fmt.Sprintf("the envelope. Success: `\"status\": \"0\"` and `data`: %s. Failure: `status` one of %s. %s",
					typeOf(obj(obj(ok["properties"])["data"])), codes(obj(obj(fail["properties"])["status"])), what)
				continue
			}
			if ct != "application/json" {
				text = append(text, ct)
				continue
			}
			if len(s) > 0 {
				what += " (" + typeOf(s) + ")"
			}
		}
		if len(text) > 0 {
			what += " (" + strings.Join(text, ", ") + ")"
		}
		fmt.Fprintf(b, "| %s | %s |\n", status, what)
	}
	b.WriteString("\n")
}

// keyHeader is the row of the header that names the account on a route
// signed by an API key scheme alone (the vendor's: Api-Key), or nil.
// OpenAPI keeps that header in the security scheme, not among the
// parameters, but a reader of the table wants every header to send, not
// Timestamp and Sign without the key they are made with.
func keyHeader(o, d map[string]any) []string {
	sec := list(o["security"])
	if len(sec) != 1 || len(obj(sec[0])) != 1 {
		return nil
	}
	name := sortedKeys(obj(sec[0]))[0]
	scheme := obj(obj(obj(d["components"])["securitySchemes"])[name])
	if scheme["type"] != "apiKey" || scheme["in"] != "header" {
		return nil
	}
	return []string{"`" + str(scheme["name"]) + "`", "header", "required",
		"The account's API key, which Sign is made with (with the account's secret and Timestamp)."}
}

// fields writes an object's fields as rows, nested fields indented under
// their parent.
func fields(b *strings.Builder, s map[string]any, indent string) {
	props := obj(s["properties"])
	for _, name := range sortedKeys(props) {
		p := obj(props[name])
		desc := str(p["description"])
		if desc == "" {
			desc = typeOf(p)
		}
		fmt.Fprintf(b, "| %s`%s` | %s |\n", indent, name, cell(desc, true))
		if items := obj(p["items"]); items != nil && obj(items["properties"]) != nil {
			fields(b, items, indent+"&emsp;")
		}
		if obj(p["properties"]) != nil {
			fields(b, p, indent+"&emsp;")
		}
	}
}

// typeOf says a schema's type in a few words, linking the schemas it names.
func typeOf(s map[string]any) string {
	if ref := str(s["$ref"]); ref != "" {
		name := ref[strings.LastIndex(ref, "/")+1:]
		return fmt.Sprintf("[%s](#%s)", name, slug(name))
	}
	if alts := list(s["anyOf"]); len(alts) > 0 {
		var parts []string
		for _, a := range alts {
			parts = append(parts, typeOf(obj(a)))
		}
		return strings.Join(parts, " or ")
	}
	if c, found := s["const"]; found {
		return "`" + jsonText(c) + "`"
	}
	if enum := list(s["enum"]); len(enum) > 0 {
		return "one of " + codes(s)
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, str(x))
		}
	}
	for i, t := range types {
		switch t {
		case "array":
			types[i] = "array of " + typeOf(obj(s["items"]))
		case "object":
			if ap := obj(s["additionalProperties"]); ap != nil {
				types[i] = "object of " + typeOf(ap) + " by key"
			}
		case "string":
			if f := str(s["format"]); f != "" {
				types[i] = "string (" + f + ")"
			}
		}
	}
	if len(types) == 0 {
		return "any JSON"
	}
	return strings.Join(types, " or ")
}

// codes lists an enum's values.
func codes(s map[string]any) string {
	var out []string
	for _, v := range list(s["enum"]) {
		out = append(out, "`"+jsonText(v)+"`")
	}
	return strings.Join(out, ", ")
}

// resolve follows a parameter's $ref into the document's components.
func resolve(p, d map[string]any) map[string]any {
	ref := str(p["$ref"])
	if ref == "" {
		return p
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	return obj(obj(obj(d["components"])["parameters"])[name])
}

func title(tag string) string {
	if t, ok := map[string]string{
		"configuration": "Configuration", "otp": "Sending and checking codes", "phone": "The phone",
		"control": "The control surface", "sandbox": "The sandbox", "page": "The web inbox",
	}[tag]; ok {
		return t
	}
	return tag // a new tag is shown by its name, never as an empty heading
}

// slug is the anchor GitHub gives a heading.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cell makes text safe in a Markdown table cell (inTable) or paragraph:
// "<why>" would be taken for HTML, "|" for a column.
func cell(s string, inTable bool) string {
	r := strings.NewReplacer("<", "&lt;", ">", "&gt;")
	s = r.Replace(s)
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
		s = strings.ReplaceAll(s, "\n", " ")
	}
	return s
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
