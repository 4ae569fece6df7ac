package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// helpWidth is the terminal width the help is wrapped for.
const helpWidth = 80

// writeControlHelp writes the control surface's reference from the table
// that mounts its routes, so that the help cannot leave a route out.
func writeControlHelp(w io.Writer) {
	var b strings.Builder
	b.WriteString("\nControl routes:\n\n")
	wrap(&b, "", "", sandbox.ControlConventions)
	for _, r := range sandbox.ControlRoutes() {
		fmt.Fprintf(&b, "\n%s %s\n", r.Method, r.Path)
		wrap(&b, "    ", "    ", r.Does)
		writeFields(&b, "    ", r.Params)
		switch {
		case len(r.Fields) > 0:
			wrap(&b, "    ", "    ", "Body: "+r.Body+":")
			writeFields(&b, "      ", r.Fields)
		case r.Body != "":
			wrap(&b, "    ", "    ", "Body: "+r.Body+".")
		}
		wrap(&b, "    ", "    ", "Answers "+r.Answer+".")
		if r.Errors != "" {
			wrap(&b, "    ", "    ", "Fails with "+r.Errors+".")
		}
	}
	b.WriteString("\nThe OTP service: what it does where the vendor's documentation is silent:\n")
	for _, n := range sandbox.ServiceNotes() {
		b.WriteString("\n")
		wrap(&b, "", "    ", n.Name+": "+n.Values)
	}
	_, _ = io.WriteString(w, b.String())
}

// writeFields writes fields as a two-column list, nested fields indented
// under their parent.
func writeFields(b *strings.Builder, indent string, fields []sandbox.Field) {
	width := 0
	for _, f := range fields {
		width = max(width, len(f.Name))
	}
	for _, f := range fields {
		first := indent + f.Name + strings.Repeat(" ", width-len(f.Name)+2)
		wrap(b, first, strings.Repeat(" ", len(first)), f.Values)
		writeFields(b, indent+"  ", f.Fields)
	}
}

// wrap writes text in lines of at most helpWidth columns (a word longer
// than a line gets a line of its own), the first line after first, the
// others after rest.
func wrap(b *strings.Builder, first, rest, text string) {
	line := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len(line)+1+len(word) > helpWidth {
			b.WriteString(line + "\n")
			line, empty = rest, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	b.WriteString(line + "\n")
}
