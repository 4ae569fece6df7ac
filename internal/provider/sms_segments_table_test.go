package provider

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The table of SMS counts the sandbox's chargeCnt is held to as well
// (internal/sandbox/engine): the two readings of the rule agree.
func TestSMSSegmentsFollowTheSharedTable(t *testing.T) {
	b, err := os.ReadFile("../testdata/sms_parts.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Cases []struct {
			Name  string               `json:"name"`
			Text  [][2]json.RawMessage `json:"text"`
			Parts int                  `json:"parts"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	for _, c := range table.Cases {
		var text strings.Builder
		for _, piece := range c.Text {
			var s string
			var n int
			if json.Unmarshal(piece[0], &s) != nil || json.Unmarshal(piece[1], &n) != nil {
				t.Fatalf("%s: a piece is not [string, times]", c.Name)
			}
			text.WriteString(strings.Repeat(s, n))
		}
		if got := smsSegments(text.String(), 0).Segments; got != c.Parts {
			t.Errorf("%s: %d parts, want %d", c.Name, got, c.Parts)
		}
	}
}
