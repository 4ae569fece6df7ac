package engine

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// smsCase is a case of the table the provider's sms_segments is held to
// as well: the two readings of the SMS rule agree.
type smsCase struct {
	Name  string               `json:"name"`
	Text  [][2]json.RawMessage `json:"text"`
	Parts int                  `json:"parts"`
}

func TestSMSPartsFollowTheSharedTable(t *testing.T) {
	b, err := os.ReadFile("../../testdata/sms_parts.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Cases []smsCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Cases) < 20 {
		t.Fatalf("the table has %d cases", len(table.Cases))
	}
	for _, c := range table.Cases {
		var text strings.Builder
		for _, piece := range c.Text {
			var s string
			var n int
			if err := json.Unmarshal(piece[0], &s); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(piece[1], &n); err != nil {
				t.Fatal(err)
			}
			text.WriteString(strings.Repeat(s, n))
		}
		if got := SMSParts(text.String()); got != c.Parts {
			t.Errorf("%s: %d parts, want %d", c.Name, got, c.Parts)
		}
	}
}

// The default alphabet is the 128 positions of GSM 03.38's table.
func TestGSMDefaultAlphabet(t *testing.T) {
	if len(gsmDefault) != 128 || gsmDefault[0x1b] != 0x1b || gsmDefault[0x24] != '¤' || gsmDefault[0x7f] != 'à' {
		t.Fatalf("the default alphabet has %d positions", len(gsmDefault))
	}
}
