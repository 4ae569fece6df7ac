package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

var update = flag.Bool("update", false, "rewrite the README's control route reference")

const (
	readme         = "../../README.md"
	referenceBegin = "<!-- control-routes:begin: generated from internal/sandbox; go test ./cmd/otp-sandbox -run TestREADME -update rewrites it -->\n"
	referenceEnd   = "<!-- control-routes:end -->\n"
)

// The README carries the control route reference as the help does, from
// the table that mounts the routes; this fails when it is stale.
func TestREADMEControlReference(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	before, rest, found := strings.Cut(text, referenceBegin)
	current, after, foundEnd := strings.Cut(rest, referenceEnd)
	if !found || !foundEnd {
		t.Fatalf("README.md has no %q ... %q block", referenceBegin, referenceEnd)
	}
	want := controlMarkdown()
	if current == want {
		return
	}
	if !*update {
		t.Fatalf("README.md's control route reference is stale: run go test ./cmd/otp-sandbox -run TestREADME -update\n--- want:\n%s", want)
	}
	if err := os.WriteFile(readme, []byte(before+referenceBegin+want+referenceEnd+after), 0o644); err != nil {
		t.Fatal(err)
	}
}

// controlMarkdown renders the reference as Markdown: one table of the
// routes, then one of the fields of each body that has its own.
func controlMarkdown() string {
	var b strings.Builder
	routes := sandbox.ControlRoutes()
	b.WriteString("\n" + md(sandbox.ControlConventions) + "\n\n| route | what it does | answers |\n| --- | --- | --- |\n")
	for _, r := range routes {
		does := md(r.Does)
		for _, p := range r.Params {
			does += fmt.Sprintf("<br>`%s`: %s.", p.Name, md(p.Values))
		}
		if r.Body != "" && len(r.Fields) == 0 {
			does += "<br>Body: " + md(r.Body) + "."
		}
		answers := md(r.Answer)
		if r.Errors != "" {
			answers += "; " + md(r.Errors)
		}
		fmt.Fprintf(&b, "| `%s %s` | %s | %s |\n", r.Method, r.Path, does, answers)
	}
	for _, r := range routes {
		if len(r.Fields) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n`%s %s` takes %s:\n\n| field | values |\n| --- | --- |\n", r.Method, r.Path, md(r.Body))
		fieldRows(&b, r.Fields, "")
	}
	b.WriteString("\nThe OTP service, where the vendor's documentation is silent:\n\n| topic | what the sandbox does |\n| --- | --- |\n")
	for _, n := range sandbox.ServiceNotes() {
		fmt.Fprintf(&b, "| %s | %s |\n", n.Name, md(n.Values))
	}
	b.WriteString("\n")
	return b.String()
}

func fieldRows(b *strings.Builder, fields []sandbox.Field, indent string) {
	for _, f := range fields {
		fmt.Fprintf(b, "| %s`%s` | %s |\n", indent, f.Name, md(f.Values))
		fieldRows(b, f.Fields, indent+"&emsp;")
	}
}

// md escapes plain text for a Markdown table cell: "<why>" would be taken
// for HTML, "|" for a column.
func md(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", `\|`).Replace(s)
}
