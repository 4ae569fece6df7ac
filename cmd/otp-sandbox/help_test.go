package main

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// The help lists every control route with every field and parameter;
// internal/sandbox checks that the table it comes from is what is mounted,
// so a new route cannot go undocumented.
func TestHelpListsEveryControlRoute(t *testing.T) {
	var out syncBuffer
	if err := run(t.Context(), []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v", err)
	}
	help := out.String()
	lines := strings.Split(help, "\n")
	for _, r := range sandbox.ControlRoutes() {
		if !slices.Contains(lines, r.Method+" "+r.Path) {
			t.Errorf("the help has no line %q", r.Method+" "+r.Path)
		}
		var names []string
		collect(append(r.Params, r.Fields...), &names)
		for _, name := range names {
			if !strings.Contains(help, "  "+name+"  ") {
				t.Errorf("%s %s: the help does not list %s", r.Method, r.Path, name)
			}
		}
	}
	for _, line := range lines {
		if len(line) > helpWidth && strings.Contains(line, " ") && !strings.HasPrefix(line, "    \t") {
			t.Errorf("a line wider than %d columns: %q", helpWidth, line)
		}
	}
}

func TestWrap(t *testing.T) {
	var b strings.Builder
	wrap(&b, "> ", "  ", strings.Repeat("word ", 20)+strings.Repeat("x", 90)+" end")
	for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if len(line) > helpWidth && strings.TrimSpace(line) != strings.Repeat("x", 90) {
			t.Errorf("line %d is %d wide: %q", i, len(line), line)
		}
		if prefix := map[bool]string{true: "> ", false: "  "}[i == 0]; !strings.HasPrefix(line, prefix) {
			t.Errorf("line %d: %q", i, line)
		}
	}
}

func collect(fields []sandbox.Field, names *[]string) {
	for _, f := range fields {
		*names = append(*names, f.Name)
		collect(f.Fields, names)
	}
}
