package sandbox

import (
	"encoding/json"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// A record's line is what encoding/json would write: the journal's lines
// are read back with it.
func TestAppendRecordIsJSON(t *testing.T) {
	for _, rec := range []record{
		{Op: opPut, Key: "ci-key", Kind: "flow", ID: "10001", Obj: json.RawMessage(`{"flowId":10001,"name":"a\u00e9<b>"}`)},
		{Op: opReset, Key: `odd "key" \ é <&> ` + "\t"},
		{Op: opIDs, Kind: "app", Obj: json.RawMessage(`{"usedIds":{"x":true}}`)},
	} {
		line := appendRecord(nil, rec)
		var got record
		if err := engine.DecodeExact(line, &got); err != nil || got.Op != rec.Op || got.Key != rec.Key || got.Kind != rec.Kind || got.ID != rec.ID || string(got.Obj) != string(rec.Obj) {
			t.Fatalf("%s read back as %+v (%v)", line, got, err)
		}
		if line[len(line)-1] != '\n' {
			t.Fatalf("%q does not end its line", line)
		}
	}
}
