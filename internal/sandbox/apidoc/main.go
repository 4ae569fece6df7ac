// Command apidoc writes the sandbox's OpenAPI document, made from its route
// table, to DIR/openapi.json, and the reference page rendered from that
// document to DIR/api.md. `make docs` runs it for docs/sandbox, and `make
// docs-check` fails when what it writes differs from what is committed.
//
//	go run ./internal/sandbox/apidoc docs/sandbox
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: apidoc DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "apidoc:", err)
		os.Exit(1)
	}
}

// The document is written for a sandbox as otp-sandbox starts by default.
const prefix = "/otp"

func write(dir string) error {
	doc, page, err := render()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // a docs directory
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), doc, 0o644); err != nil { //nolint:gosec // docs are public
		return err
	}
	return os.WriteFile(filepath.Join(dir, "api.md"), []byte(page), 0o644) //nolint:gosec // docs are public
}

// render makes the document and the page from it.
func render() (doc []byte, page string, err error) {
	doc = sandbox.OpenAPI(prefix, sandbox.DefaultURL)
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, "", err
	}
	return doc, markdown(d), nil
}
