// Command docsfix lists under Required, in the generated docs, what the
// provider requires although its schema cannot say so: the attributes of an
// optional block that are required once the block is present, and a list
// block of which at least one is required. The framework only marks an
// attribute Required when it is required everywhere (it would then reject an
// absent block) and never sets a block's minimum, so tfplugindocs lists them
// as Optional. Their descriptions start with "Required:" or "Required in the
// block.", which is what this looks for: the schema stays the one place that
// says it.
//
//	go run ./docsfix ../docs
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: docsfix DOCS_DIR")
		os.Exit(2)
	}
	err := filepath.WalkDir(os.Args[1], func(path string, d fs.DirEntry, err error) error { //nolint:gosec // the docs directory go generate names
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		old, err := os.ReadFile(path) //nolint:gosec // the docs directory we were given
		if err != nil {
			return err
		}
		if fixed := fix(string(old)); fixed != string(old) {
			return os.WriteFile(path, []byte(fixed), 0o644) //nolint:gosec // docs are world-readable
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "docsfix:", err)
		os.Exit(1)
	}
}

// requiredItem is a list item whose description starts with "Required".
var requiredItem = regexp.MustCompile("^- `[^`]+` \\([^)]*\\) Required( in the block)?[.:] ")

// group is one "Required", "Optional" or "Read-Only" list of a section.
type group struct {
	kind  string // "Required", "Optional", "Read-Only"
	level string // "### " for the schema's top level, "" for a nested schema ("Optional:")
	items []string
	trail int // blank lines after the items
}

// fix rewrites one page. A page is lines of prose, with schema sections made
// of groups: a heading ("### Optional" or "Optional:"), a blank line, then
// "- " items. Everything but those groups is copied as it is.
func fix(page string) string {
	lines := strings.Split(page, "\n")
	var out []string
	for i := 0; i < len(lines); {
		var groups []group
		start := i
		// Collect the run of consecutive groups that makes one section.
		for i < len(lines) {
			g, next, ok := readGroup(lines, i)
			if !ok {
				break
			}
			groups, i = append(groups, g), next
		}
		if len(groups) == 0 {
			out = append(out, lines[i])
			i++
			continue
		}
		if moved, changed := moveRequired(groups); changed {
			out = append(out, render(moved)...)
		} else {
			out = append(out, lines[start:i]...)
		}
	}
	return strings.Join(out, "\n")
}

// readGroup reads a group starting at line i: its heading, a blank line,
// its items, and the blank lines after them.
func readGroup(lines []string, i int) (group, int, bool) {
	var g group
	switch h := lines[i]; {
	case strings.HasPrefix(h, "### ") && isKind(strings.TrimPrefix(h, "### ")):
		g.kind, g.level = strings.TrimPrefix(h, "### "), "### "
	case strings.HasSuffix(h, ":") && isKind(strings.TrimSuffix(h, ":")):
		g.kind = strings.TrimSuffix(h, ":")
	default:
		return g, i, false
	}
	j := i + 1
	for j < len(lines) && lines[j] == "" {
		j++
	}
	for j < len(lines) && strings.HasPrefix(lines[j], "- ") {
		g.items = append(g.items, lines[j])
		j++
	}
	if len(g.items) == 0 {
		return g, i, false
	}
	for j < len(lines) && lines[j] == "" {
		j++
		g.trail++
	}
	return g, j, true
}

func isKind(s string) bool { return s == "Required" || s == "Optional" || s == "Read-Only" }

// moveRequired moves the Optional items that say "Required" to Required,
// creating that group before Optional if needed, dropping an Optional
// group left empty.
func moveRequired(groups []group) ([]group, bool) {
	opt := -1
	for k, g := range groups {
		if g.kind == "Optional" {
			opt = k
		}
	}
	if opt < 0 {
		return groups, false
	}
	var keep, move []string
	for _, item := range groups[opt].items {
		if requiredItem.MatchString(item) {
			move = append(move, item)
		} else {
			keep = append(keep, item)
		}
	}
	if len(move) == 0 {
		return groups, false
	}
	var out []group
	placed := false
	for k, g := range groups {
		switch {
		case g.kind == "Required":
			g.items = sortedItems(append(g.items, move...))
			placed = true
		case k == opt:
			if !placed {
				out = append(out, group{kind: "Required", level: g.level, items: sortedItems(move), trail: 1})
				placed = true
			}
			if g.items = keep; len(keep) == 0 {
				out[len(out)-1].trail = g.trail // the blank lines that end the section
				continue
			}
		}
		out = append(out, g)
	}
	return out, true
}

// sortedItems orders items by attribute name, as tfplugindocs does.
func sortedItems(items []string) []string {
	sort.SliceStable(items, func(a, b int) bool { return items[a] < items[b] })
	return items
}

// render writes groups back in tfplugindocs's layout.
func render(groups []group) []string {
	var out []string
	for _, g := range groups {
		if g.level != "" {
			out = append(out, g.level+g.kind)
		} else {
			out = append(out, g.kind+":")
		}
		out = append(out, "")
		out = append(out, g.items...)
		for range g.trail {
			out = append(out, "")
		}
	}
	return out
}
