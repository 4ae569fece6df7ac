package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const modulePath = "github.com/itniotech/terraform-provider-otp"

// `go install <module>/cmd/otp-sandbox@<version>` builds our go.mod as a
// dependency's, and refuses it if it has replace or exclude directives;
// the README promises that command.
func TestGoModAllowsGoInstall(t *testing.T) {
	f, err := os.Open("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	module := ""
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		switch directive, _, _ := strings.Cut(fields[0], "("); directive {
		case "module":
			module = fields[len(fields)-1]
		case "replace", "exclude":
			t.Errorf("go.mod:%d: %s directives make go install ...@<version> fail: %s", n, directive, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if module != modulePath {
		t.Errorf("go.mod declares module %q; the documented go install path is under %s", module, modulePath)
	}
}

// The sandbox is built from the standard library and its own packages: an
// install fetches no one else's code, and it stays a reading of the vendor
// documentation independent of the client and of Terraform (DESIGN.md).
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case !strings.HasPrefix(pkg, modulePath+"/"):
			t.Errorf("otp-sandbox imports %s, outside the standard library and this module", pkg)
		case strings.HasPrefix(pkg, modulePath+"/internal/apicheck"):
			t.Errorf("otp-sandbox imports %s, which is for tests (it brings kin-openapi)", pkg)
		case strings.HasPrefix(pkg, modulePath+"/internal/otp"), strings.HasPrefix(pkg, modulePath+"/internal/provider"):
			t.Errorf("otp-sandbox imports %s: the sandbox must stay independent of the client and of Terraform", pkg)
		}
	}
}
