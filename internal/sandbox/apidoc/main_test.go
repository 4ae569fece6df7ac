package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

// Every signed route's parameter table lists the three headers of the
// signature, the key first: it listed Timestamp and Sign, and left out
// Api-Key, which OpenAPI keeps in the security scheme (the trial's
// finding 10).
func TestSignedRoutesListEverySignatureHeader(t *testing.T) {
	_, page, err := render()
	if err != nil {
		t.Fatal(err)
	}
	signed := 0
	for _, section := range strings.Split(page, "\n### `")[1:] {
		if !strings.Contains(section, "Authentication: the vendor's signature") {
			continue
		}
		signed++
		key, ts, sign := strings.Index(section, "| `Api-Key` | header | required |"),
			strings.Index(section, "| `Timestamp` | header | required |"), strings.Index(section, "| `Sign` | header | required |")
		if key < 0 || ts < key || sign < ts {
			t.Errorf("the table of %s does not list Api-Key, Timestamp and Sign in that order:\n%s", strings.SplitN(section, "`", 2)[0], section)
		}
	}
	if signed == 0 {
		t.Fatal("no signed route in the page")
	}
}

// A vendor route's answer names each failure code once: a code the route
// has of its own and every route has (-22 for a broken rule, and for a
// body that cannot be read) is one line, not two (the trial's finding 10).
func TestEachFailureCodeIsSaidOnce(t *testing.T) {
	doc, _, err := render()
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	said := regexp.MustCompile(`(?:[:;,] )(-[0-9]+) [(f]`) // "; -22 for …", ", -22 (a body …"
	checked := 0
	for path, item := range obj(d["paths"]) {
		for method, o := range obj(item) {
			desc := str(obj(obj(obj(o)["responses"])["200"])["description"])
			if !strings.Contains(desc, "as on every vendor route") {
				continue
			}
			checked++
			seen := map[string]int{}
			for _, m := range said.FindAllStringSubmatch(desc, -1) {
				seen[m[1]]++
			}
			for code, n := range seen {
				if n > 1 {
					t.Errorf("%s %s says %s %d times: %s", method, path, code, n, desc)
				}
			}
			if seen["-22"] != 1 {
				t.Errorf("%s %s does not say -22: %s", method, path, desc)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no vendor route in the document")
	}
}
