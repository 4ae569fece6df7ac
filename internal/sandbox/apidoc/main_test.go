package main

import (
	"os"
	"path/filepath"
	"testing"
)

// docs/sandbox holds what apidoc writes: a route or a field changed
// without `make docs` fails here (as in make docs-check).
func TestDocsAreCurrent(t *testing.T) {
	doc, page, err := render()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"openapi.json": string(doc), "api.md": page} {
		got, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "sandbox", name))
		if err != nil || string(got) != want {
			t.Errorf("docs/sandbox/%s is stale: run make docs and commit the result", name)
		}
	}
}
