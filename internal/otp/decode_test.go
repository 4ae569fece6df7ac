package otp

import (
	"encoding/json"
	"testing"
)

func TestDecodeFlowTolerance(t *testing.T) {
	f, ok, err := flowKind.decode([]byte(`{"flowId":"10001","name":"abcd","flow":[{"waitingTime":"60","status":1,"channel":"sms"}]}`))
	if err != nil || !ok {
		t.Fatalf("decode: ok=%v err=%v", ok, err)
	}
	if f.ID != 10001 || f.Nodes[0].WaitingTime != 60 || f.Nodes[0].ChannelCut == nil || *f.Nodes[0].ChannelCut != 0 {
		t.Fatalf("decoded %+v", f)
	}
	for _, empty := range []string{``, `null`, `{}`, `[]`, `""`, `{"flowId":0}`} {
		if _, ok, err := flowKind.decode([]byte(empty)); ok || err != nil {
			t.Fatalf("decode(%q) = ok %v, err %v; want empty", empty, ok, err)
		}
	}
	if _, _, err := flowKind.decode([]byte(`{"flowId":"x1"}`)); err == nil {
		t.Fatal("a non-numeric flowId must be an error")
	}
}

func TestDecodeAppTolerance(t *testing.T) {
	// The documented answer, verbatim.
	doc := `{"name":"test_app","appId":"mRELxtHc","periodTotalSendLimit":{"unit":1,"period":1,"limit":1,"enabled":true},` +
		`"periodPhoneSendLimit":{"unit":1,"period":1,"limit":1,"enabled":true},"codeExpiry":5,"createTime":"2022-01-01T00:00:00+08:00"}`
	a, ok, err := appKind.decode([]byte(doc))
	if err != nil || !ok {
		t.Fatalf("decode: ok=%v err=%v", ok, err)
	}
	want := App{ID: "mRELxtHc", Name: "test_app", CodeExpiry: 5, CreateTime: "2022-01-01T00:00:00+08:00",
		TotalLimit: SendLimit{Enabled: true, Unit: 1, Period: 1, Limit: 1}, PhoneLimit: SendLimit{Enabled: true, Unit: 1, Period: 1, Limit: 1}}
	if a != want {
		t.Fatalf("decoded %+v, want %+v", a, want)
	}
	// Other plausible spellings: numbers as strings, 0/1 booleans, a
	// disabled limit with nulls or leftovers, a missing limit, a big limit.
	a, ok, err = appKind.decode([]byte(`{"appId":"abcd1234","name":"n","codeExpiry":"60",` +
		`"periodTotalSendLimit":{"enabled":0,"unit":2,"period":3,"limit":4},` +
		`"periodPhoneSendLimit":{"enabled":"true","unit":"4","period":90,"limit":10000000000}}`))
	if err != nil || !ok {
		t.Fatalf("decode: ok=%v err=%v", ok, err)
	}
	if a.CodeExpiry != 60 || a.TotalLimit != (SendLimit{}) || a.PhoneLimit != (SendLimit{Enabled: true, Unit: 4, Period: 90, Limit: 10_000_000_000}) {
		t.Fatalf("decoded %+v", a)
	}
	if _, _, err := appKind.decode([]byte(`{"appId":"x","periodTotalSendLimit":{"enabled":"maybe"}}`)); err == nil {
		t.Fatal("a boolean that is neither must be an error")
	}
}

func TestDecodeTemplateTolerance(t *testing.T) {
	tpl, ok, err := templateKind.decode([]byte(`{"templateId":"455","appId":"mRELxtHc","name":"login","text":" ##code## is your code",` +
		`"codeType":1,"codeLength":"6","speechRate":50,"language":"EN","maxDuration":59,"repeatCnt":2,"senderId":null}`))
	if err != nil || !ok {
		t.Fatalf("decode: ok=%v err=%v", ok, err)
	}
	want := Template{ID: 455, AppID: "mRELxtHc", Name: "login", Text: " ##code## is your code", CodeType: 1, CodeLength: 6,
		SpeechRate: 50, Language: "EN", MaxDuration: 59, RepeatCount: 2}
	if tpl != want {
		t.Fatalf("decoded %+v, want %+v", tpl, want)
	}
	list, err := templateKind.decodeList([]byte(`[{"templateId":1,"name":"a"},{},{"templateId":2,"name":"b"}]`))
	if err != nil || len(list) != 2 || list[1].ID != 2 {
		t.Fatalf("list %+v %v: empty entries are skipped, the rest kept in order", list, err)
	}
	if _, err := templateKind.decodeList([]byte(`{"templateId":1}`)); err == nil {
		t.Fatal("a list answer that is an object must be an error")
	}
}

func TestMatchesIgnoresIDsAndDisabledLimitValues(t *testing.T) {
	f := Flow{ID: 1, Name: "name", Nodes: []Node{{WaitingTime: 30, Status: 1, Channel: "sms", ChannelCut: Int(0)}}}
	in := Flow{Name: "name", Nodes: []Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}}
	if !f.Matches(in) {
		t.Fatal("an omitted channel cut must match 0")
	}
	in.Nodes[0].ChannelCut = Int(1)
	if f.Matches(in) {
		t.Fatal("channel cut 1 must not match 0")
	}
	in.Nodes = append(in.Nodes, in.Nodes[0])
	if f.Matches(in) {
		t.Fatal("a different node count must not match")
	}

	a := App{ID: "x", Name: "shop", CodeExpiry: 5, TotalLimit: SendLimit{Unit: 1, Period: 2, Limit: 3}, CreateTime: "t"}
	if !a.Matches(App{Name: "shop", CodeExpiry: 5}) {
		t.Fatal("a disabled limit's leftover values must not count")
	}
	if a.Matches(App{Name: "shop", CodeExpiry: 6}) {
		t.Fatal("a different expiry must not match")
	}

	tpl := Template{ID: 9, AppID: "a", Name: "n", Text: "##code##", SenderID: ""}
	if !tpl.Matches(Template{AppID: "a", Name: "n", Text: "##code##"}) || tpl.Matches(Template{AppID: "b", Name: "n", Text: "##code##"}) {
		t.Fatal("templates match on everything but the id")
	}
}

// decodeEveryKind runs every kind's decoders over data: they may fail, but
// must not panic, and what they return must carry an id or a name.
func decodeEveryKind(t *testing.T, data json.RawMessage) {
	t.Helper()
	check := func(ok bool, id, name string) {
		if ok && id == "" && name == "" {
			t.Fatalf("decoded an object with neither id nor name from %q", data)
		}
	}
	if f, ok, err := flowKind.decode(data); err == nil {
		check(ok, flowKind.id(f), f.Name)
	}
	if a, ok, err := appKind.decode(data); err == nil {
		check(ok, a.ID, a.Name)
	}
	if tpl, ok, err := templateKind.decode(data); err == nil {
		check(ok, templateKind.id(tpl), tpl.Name)
	}
	_, _ = flowKind.decodeList(data)
	_, _ = templateKind.decodeList(data)
}

// FuzzDecodeObjects feeds arbitrary data to every kind's decoders.
func FuzzDecodeObjects(f *testing.F) {
	for _, s := range []string{
		`{"flowId":10001,"name":"abcd","flow":[{"waitingTime":30,"status":1,"channel":"sms","channelCut":0}]}`,
		`[{"flowId":"1","flow":[{"channelCut":null}]}]`,
		`{"appId":"mRELxtHc","name":"n","periodTotalSendLimit":{"enabled":true,"unit":1,"period":1,"limit":10000000000},"createTime":"t"}`,
		`{"appId":123,"periodPhoneSendLimit":null}`,
		`{"templateId":455,"appId":"a","name":"n","text":"##code##","senderId":null,"repeatCnt":"2"}`,
		`[{"templateId":1},{}]`,
		`{"limit":99999999999999999999}`,
		`nul`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { decodeEveryKind(t, data) })
}
