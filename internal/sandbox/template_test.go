package sandbox

import (
	"errors"
	"strings"
	"testing"
)

func TestTemplateCreateReadListUpdate(t *testing.T) {
	e := newEnv(t)
	a := e.newApp("owner-app")
	b := e.newApp("second-app")

	// Every optional field absent: the vendor's defaults, every field
	// present in the answer.
	raw := e.must("POST", "/otp/template/add", `{"appId":"`+a.AppID+`","name":"login-code","text":"Your code is ##code##"}`)
	want := `{"templateId":20001,"appId":"` + a.AppID + `","name":"login-code","text":"Your code is ##code##","codeType":1,"codeLength":4,"speechRate":50,"language":"EN","maxDuration":59,"repeatCnt":1,"senderId":""}`
	if string(raw) != want {
		t.Fatalf("created\n%s\nwant\n%s", raw, want)
	}
	if d := e.must("GET", "/otp/template/details/20001", ""); string(d) != want {
		t.Fatalf("details %s", d)
	}

	// Every field given; null optional fields take their defaults too.
	full := decode[Template](t, e.must("POST", "/otp/template/add", `{"appId":"`+b.AppID+`","name":"voice-code","text":" ##code## ",
		"codeType":4,"codeLength":10,"speechRate":0,"language":"IDN","maxDuration":599,"repeatCnt":10,"senderId":"ACME","templateId":5}`))
	if full != (Template{TemplateID: 20002, AppID: b.AppID, Name: "voice-code", Text: " ##code## ", CodeType: 4, CodeLength: 10,
		SpeechRate: 0, Language: "IDN", MaxDuration: 599, RepeatCnt: 10, SenderID: "ACME"}) {
		t.Fatalf("created %+v", full)
	}
	nulls := decode[Template](t, e.must("POST", "/otp/template/add", `{"appId":"`+a.AppID+`","name":"null-fields","text":"##code##",
		"codeType":null,"codeLength":null,"speechRate":null,"language":null,"maxDuration":null,"repeatCnt":null,"senderId":null}`))
	if nulls.CodeType != 1 || nulls.CodeLength != 4 || nulls.SpeechRate != 50 || nulls.Language != "EN" || nulls.MaxDuration != 59 || nulls.RepeatCnt != 1 || nulls.SenderID != "" {
		t.Fatalf("nulls took %+v", nulls)
	}

	// An update is a full replacement: what it leaves out takes its
	// default; the app stays.
	upd := e.must("PUT", "/otp/template/update/20002", `{"name":"voice-code-2","text":"##code##!"}`)
	want = `{"templateId":20002,"appId":"` + b.AppID + `","name":"voice-code-2","text":"##code##!","codeType":1,"codeLength":4,"speechRate":50,"language":"EN","maxDuration":59,"repeatCnt":1,"senderId":""}`
	if string(upd) != want {
		t.Fatalf("updated\n%s\nwant\n%s", upd, want)
	}
	// A template cannot move: appId is refused in an update body, even
	// its own.
	for _, appID := range []string{`"` + a.AppID + `"`, `"` + b.AppID + `"`, `null`, `""`} {
		wantRefused(t, e.call("PUT", "/otp/template/update/20002", `{"appId":`+appID+`,"name":"voice-code-2","text":"##code##"}`, nil), "-22", "appId")
	}
	// Names: one's own is no clash, another template's is; templateId in
	// the body is ignored.
	e.must("PUT", "/otp/template/update/20002", `{"name":"voice-code-2","text":"##code##","templateId":20001}`)
	wantRefused(t, e.call("PUT", "/otp/template/update/20002", `{"name":"login-code","text":"##code##"}`, nil), "-20", "name")

	// The list: every template of the account, by id; no other account's.
	e.asOther("POST", "/otp/app/add", `{"name":"theirs"}`)
	list := decode[[]Template](t, e.must("GET", "/otp/template/list", ""))
	if len(list) != 3 || list[0].TemplateID != 20001 || list[1].TemplateID != 20002 || list[2].TemplateID != 20003 || list[1].Name != "voice-code-2" {
		t.Fatalf("list %+v", list)
	}
	if raw := e.asOther("GET", "/otp/template/list", "").Data; string(raw) != "[]" {
		t.Fatalf("another account's list %s", raw)
	}
}

// A template names an existing app of its own account.
func TestTemplateNeedsAnExistingApp(t *testing.T) {
	e := newEnv(t)
	mine := e.newApp("my-app")
	theirs := decode[App](t, e.asOther("POST", "/otp/app/add", `{"name":"their-app"}`).Data)
	wantRefused(t, e.call("POST", "/otp/template/add", `{"appId":"nope","name":"abcd","text":"##code##"}`, nil), "-24", `appId "nope" does not exist`)
	wantRefused(t, e.call("POST", "/otp/template/add", `{"appId":"`+theirs.AppID+`","name":"abcd","text":"##code##"}`, nil), "-24", "appId")
	wantRefused(t, e.call("POST", "/otp/template/add", `{"appId":"`+strings.ToLower(mine.AppID)+`x","name":"abcd","text":"##code##"}`, nil), "-24", "appId")
	// A body error is -22 before the app is looked for.
	wantRefused(t, e.call("POST", "/otp/template/add", `{"appId":"nope","name":"abc","text":"##code##"}`, nil), "-22", "name")
	if len(e.srv.Templates(key))+len(e.srv.Templates(otherKey)) != 0 {
		t.Fatal("a template without its app was stored")
	}
	if _, err := e.srv.AddTemplate(key, Template{AppID: "nope", Name: "abcd", Text: "##code##"}); err == nil || !strings.Contains(err.Error(), "appId") {
		t.Fatalf("AddTemplate with an unknown app: %v", err)
	}
}

func TestTemplateValidation(t *testing.T) {
	e := newEnv(t)
	a := e.newApp("owner-app")
	app := `"appId":"` + a.AppID + `",`
	with := func(fields string) string { return `{"name":"abcd","text":"##code##",` + fields + `}` }
	tests := []struct {
		name, body, reason string // body without appId; reason "" means valid
	}{
		{"no name", `{"text":"##code##"}`, "name is required"},
		{"name not a string", `{"name":["abcd"],"text":"##code##"}`, "name must be a string"},
		{"name 3 chars", `{"name":"abc","text":"##code##"}`, "name must be 4 to 32 characters"},
		{"name 33 chars", `{"name":"` + strings.Repeat("t", 33) + `","text":"##code##"}`, "name must be 4 to 32 characters"},
		{"name 3 Chinese chars (9 bytes)", `{"name":"验证码","text":"##code##"}`, "name must be 4 to 32 characters"},
		{"name 4 Chinese chars", `{"name":"验证模板","text":"##code##"}`, ""},
		{"name 32 Chinese chars", `{"name":"` + strings.Repeat("模", 32) + `","text":"##code##"}`, ""},
		{"name 33 Chinese chars", `{"name":"` + strings.Repeat("模", 33) + `","text":"##code##"}`, "name must be 4 to 32 characters"},
		{"no text", `{"name":"abcd"}`, "text is required"},
		{"null text", `{"name":"abcd","text":null}`, "text is required"},
		{"empty text", `{"name":"abcd","text":""}`, "text must be 1 to 256 characters"},
		{"text a number", `{"name":"abcd","text":1}`, "text must be a string"},
		{"text without the placeholder", `{"name":"abcd","text":"Your code"}`, "text must contain ##code##"},
		{"text with a wrong placeholder", `{"name":"abcd","text":"##CODE##"}`, "text must contain ##code##"},
		{"text 256 chars", `{"name":"abcd","text":"##code##` + strings.Repeat("x", 248) + `"}`, ""},
		{"text 257 chars", `{"name":"abcd","text":"##code##` + strings.Repeat("x", 249) + `"}`, "text must be 1 to 256 characters"},
		{"text 256 Chinese chars (768 bytes)", `{"name":"abcd","text":"##code##` + strings.Repeat("码", 248) + `"}`, ""},
		{"text 257 Chinese chars", `{"name":"abcd","text":"##code##` + strings.Repeat("码", 249) + `"}`, "text must be 1 to 256 characters"},
		{"codeType 0", with(`"codeType":0`), "codeType must be 1 (numeric)"},
		{"codeType 1", with(`"codeType":1`), ""},
		{"codeType 4", with(`"codeType":4`), ""},
		{"codeType 5", with(`"codeType":5`), "codeType must be 1 (numeric), 2 (alpha), 3 (alphanumeric) or 4 (hex)"},
		{"codeType string", with(`"codeType":"1"`), "codeType must be an integer"},
		{"codeLength 3", with(`"codeLength":3`), "codeLength must be between 4 and 10"},
		{"codeLength 4", with(`"codeLength":4`), ""},
		{"codeLength 10", with(`"codeLength":10`), ""},
		{"codeLength 11", with(`"codeLength":11`), "codeLength must be between 4 and 10"},
		{"codeLength string", with(`"codeLength":"6"`), "codeLength must be an integer"},
		{"speechRate -1", with(`"speechRate":-1`), "speechRate must be between 0 and 100"},
		{"speechRate 0", with(`"speechRate":0`), ""},
		{"speechRate 100", with(`"speechRate":100`), ""},
		{"speechRate 101", with(`"speechRate":101`), "speechRate must be between 0 and 100"},
		{"speechRate fraction", with(`"speechRate":50.5`), "speechRate must be an integer"},
		{"language CN", with(`"language":"CN"`), ""},
		{"language BD", with(`"language":"BD"`), ""},
		{"language lower case", with(`"language":"en"`), "language must be one of CN EN VN JP ARB DE IN IT KR RU ES PT IDN BD"},
		{"language unknown", with(`"language":"FR"`), "language must be one of"},
		{"language empty", with(`"language":""`), "language must be one of"},
		{"language a number", with(`"language":1`), "language must be a string"},
		{"maxDuration 4", with(`"maxDuration":4`), "maxDuration must be between 5 and 599 seconds"},
		{"maxDuration 5", with(`"maxDuration":5`), ""},
		{"maxDuration 599", with(`"maxDuration":599`), ""},
		{"maxDuration 600", with(`"maxDuration":600`), "maxDuration must be between 5 and 599"},
		{"repeatCnt 0", with(`"repeatCnt":0`), "repeatCnt must be between 1 and 10"},
		{"repeatCnt 1", with(`"repeatCnt":1`), ""},
		{"repeatCnt 10", with(`"repeatCnt":10`), ""},
		{"repeatCnt 11", with(`"repeatCnt":11`), "repeatCnt must be between 1 and 10"},
		{"repeatCnt bool", with(`"repeatCnt":true`), "repeatCnt must be an integer"},
		{"senderId", with(`"senderId":"ACME"`), ""},
		{"senderId a number", with(`"senderId":123`), "senderId must be a string"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(tt.body, `"name":"abcd"`, `"name":"abcd-`+id64(int64(i))+`"`, 1)
			r := e.call("POST", "/otp/template/add", strings.Replace(body, "{", "{"+app, 1), nil)
			if tt.reason == "" {
				if r.Status != "0" {
					t.Fatalf("valid body refused: %q %q", r.Status, r.Reason)
				}
				tp := decode[Template](t, r.Data)
				if r := e.call("PUT", "/otp/template/update/"+id64(tp.TemplateID), body, nil); r.Status != "0" {
					t.Fatalf("valid update refused: %q %q", r.Status, r.Reason)
				}
				return
			}
			wantRefused(t, r, "-22", tt.reason)
			// The same rules hold on update, where appId is absent.
			wantRefused(t, e.call("PUT", "/otp/template/update/20001", body, nil), "-22", tt.reason)
		})
	}
	for _, tt := range []struct{ body, reason string }{
		{`{"name":"abcd","text":"##code##"}`, "appId is required"},
		{`{"appId":null,"name":"abcd","text":"##code##"}`, "appId is required"},
		{`{"appId":"","name":"abcd","text":"##code##"}`, "appId must not be empty"},
		{`{"appId":42,"name":"abcd","text":"##code##"}`, "appId must be a string"},
		{`"abcd"`, "JSON object"},
	} {
		wantRefused(t, e.call("POST", "/otp/template/add", tt.body, nil), "-22", tt.reason)
	}
}

func TestTemplateConsole(t *testing.T) {
	e := newEnv(t)
	a := e.newApp("owner-app")
	b := e.newApp("another-app")

	// AddTemplate fills the zero fields that have a default, but takes a
	// zero speech rate as given.
	tp, err := e.srv.AddTemplate(key, Template{TemplateID: 7, AppID: a.AppID, Name: "console-tpl", Text: "##code##"})
	if err != nil {
		t.Fatal(err)
	}
	if tp != (Template{TemplateID: firstTemplateID, AppID: a.AppID, Name: "console-tpl", Text: "##code##", CodeType: 1, CodeLength: 4,
		SpeechRate: 0, Language: "EN", MaxDuration: 59, RepeatCnt: 1}) {
		t.Fatalf("added %+v", tp)
	}
	for _, bad := range []Template{
		{AppID: a.AppID, Name: "console-tpl", Text: "##code##"}, // taken
		{AppID: a.AppID, Name: "abcd", Text: "no placeholder"},
		{AppID: a.AppID, Name: "abcd", Text: "##code##", Language: "fr"},
		{AppID: a.AppID, Name: "abcd", Text: "##code##", SpeechRate: 101},
		{Name: "abcd", Text: "##code##"},
	} {
		if _, err := e.srv.AddTemplate(key, bad); err == nil {
			t.Fatalf("AddTemplate(%+v) accepted", bad)
		}
	}

	// EditTemplate: validated; the id and the app stay.
	got, err := e.srv.EditTemplate(tp.TemplateID, func(t *Template) {
		t.TemplateID, t.AppID, t.SpeechRate, t.SenderID = 1, b.AppID, 77, "ACME"
	})
	if err != nil || got.TemplateID != tp.TemplateID || got.AppID != a.AppID || got.SpeechRate != 77 || got.SenderID != "ACME" {
		t.Fatalf("edited %+v %v", got, err)
	}
	if _, err := e.srv.EditTemplate(tp.TemplateID, func(t *Template) { t.CodeLength = 3 }); err == nil {
		t.Fatal("an invalid edit was accepted")
	}
	if _, err := e.srv.EditTemplate(99999, func(*Template) {}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("edit unknown: %v", err)
	}

	// The HTTP console.
	id := id64(tp.TemplateID)
	patched := decode[Template](t, e.mustControl(200, "PATCH", "/_sandbox/templates/"+id+"?key="+key, `{"text":"code ##code##","language":"JP"}`))
	if patched.Text != "code ##code##" || patched.Language != "JP" || patched.SpeechRate != 77 {
		t.Fatalf("patched %+v", patched)
	}
	if d := decode[Template](t, e.must("GET", "/otp/template/details/"+id, "")); d != patched {
		t.Fatalf("details %+v", d)
	}
	for _, bad := range []string{`{"appId":"` + b.AppID + `"}`, `{"templateId":1}`, `{"codeType":"1"}`, `{"codeType":9}`, `{"senderID":"x"}`} {
		if status, raw := e.control("PATCH", "/_sandbox/templates/"+id+"?key="+key, bad); status != 400 {
			t.Fatalf("PATCH %s: %d %s", bad, status, raw)
		}
	}
	created := decode[Template](t, e.mustControl(201, "POST", "/_sandbox/templates?key="+key, `{"appId":"`+b.AppID+`","name":"from-console","text":"##code##","speechRate":50}`))
	if created.TemplateID != firstTemplateID+1 || created.AppID != b.AppID || created.SpeechRate != 50 || created.CodeLength != 4 {
		t.Fatalf("console add %+v", created)
	}
	if status, raw := e.control("POST", "/_sandbox/templates?key="+key, `{"appId":"nope","name":"abcd","text":"##code##"}`); status != 400 || !strings.Contains(string(raw), "appId") {
		t.Fatalf("console add with an unknown app: %d %s", status, raw)
	}
	if list := decode[[]Template](t, e.mustControl(200, "GET", "/_sandbox/templates?key="+key, "")); len(list) != 2 || list[1].Name != "from-console" {
		t.Fatalf("console list %+v", list)
	}

	e.mustControl(204, "DELETE", "/_sandbox/templates/"+id+"?key="+key, "")
	wantRefused(t, e.call("GET", "/otp/template/details/"+id, "", nil), "-24", "templateId")
	if err := e.srv.DeleteTemplate(tp.TemplateID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if status, _ := e.control("DELETE", "/_sandbox/templates/"+id+"?key="+key, ""); status != 404 {
		t.Fatalf("control delete unknown: %d", status)
	}
	if status, _ := e.control("DELETE", "/_sandbox/templates/x?key="+key, ""); status != 400 {
		t.Fatalf("control delete with a bad id: %d", status)
	}
	// Ids are not reused after a delete.
	if next := e.newTemplate(a.AppID, "after-delete"); next.TemplateID != firstTemplateID+2 {
		t.Fatalf("id after a delete %d", next.TemplateID)
	}
}
