package sandbox

import (
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable server clock.
type clock struct{ t atomic.Pointer[time.Time] }

func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }

func (c *clock) set(t time.Time)     { c.t.Store(&t) }
func (c *clock) now() time.Time      { return *c.t.Load() }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

const disabled = `{"enabled":false,"unit":null,"period":null,"limit":null}`

func TestAppCreateReadUpdate(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 28, 0, 15, 0, 123456789, time.UTC))
	e := newEnv(t, func(o *Options) { o.Now = clk.now })

	// The defaults: codeExpiry 5, both limits disabled, answered with
	// every field present.
	raw := e.must("POST", "/otp/app/add", `{"name":"test_app"}`)
	a := decode[App](t, raw)
	want := `{"appId":"` + a.AppID + `","name":"test_app","codeExpiry":5,"periodTotalSendLimit":` + disabled +
		`,"periodPhoneSendLimit":` + disabled + `,"createTime":"2026-11-28T08:15:00+08:00"}`
	if string(raw) != want {
		t.Fatalf("created\n%s\nwant\n%s", raw, want)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9]{8}$`).MatchString(a.AppID) {
		t.Fatalf("appId %q is not 8 letters and digits", a.AppID)
	}
	if d := e.must("GET", "/otp/app/details/"+a.AppID, ""); string(d) != want {
		t.Fatalf("details %s", d)
	}

	// Every field given; a disabled limit keeps none of its values.
	clk.add(time.Hour)
	full := decode[App](t, e.must("POST", "/otp/app/add", `{"name":"full_app","codeExpiry":60,
		"periodTotalSendLimit":{"enabled":true,"unit":1,"period":90,"limit":10000000000},
		"periodPhoneSendLimit":{"enabled":false,"unit":2,"period":3,"limit":4}}`))
	if full.CodeExpiry != 60 || !full.PeriodTotalSendLimit.Enabled || *full.PeriodTotalSendLimit.Unit != 1 ||
		*full.PeriodTotalSendLimit.Period != 90 || *full.PeriodTotalSendLimit.Limit != 10_000_000_000 ||
		full.PeriodPhoneSendLimit != (Limit{}) || full.CreateTime != "2026-11-28T09:15:00+08:00" {
		t.Fatalf("created %+v", full)
	}

	// An update is a full replacement: what it leaves out takes its
	// default. createTime never changes.
	clk.add(24 * time.Hour)
	upd := e.must("PUT", "/otp/app/update/"+full.AppID, `{"appId":"`+full.AppID+`","name":"full_app_renamed",
		"periodPhoneSendLimit":{"enabled":true,"unit":4,"period":1,"limit":1}}`)
	want = `{"appId":"` + full.AppID + `","name":"full_app_renamed","codeExpiry":5,"periodTotalSendLimit":` + disabled +
		`,"periodPhoneSendLimit":{"enabled":true,"unit":4,"period":1,"limit":1},"createTime":"2026-11-28T09:15:00+08:00"}`
	if string(upd) != want {
		t.Fatalf("updated\n%s\nwant\n%s", upd, want)
	}
	if d := e.must("GET", "/otp/app/details/"+full.AppID, ""); string(d) != want {
		t.Fatalf("details after update %s", d)
	}
	// The vendor's sample turns a limit off with nulls.
	e.must("PUT", "/otp/app/update/"+full.AppID, `{"appId":"`+full.AppID+`","name":"full_app_renamed","codeExpiry":5,
		"periodTotalSendLimit":{"enabled":false,"unit":null,"period":null,"limit":null},"periodPhoneSendLimit":null}`)

	// Names: one's own is no clash, another app's is.
	e.must("PUT", "/otp/app/update/"+a.AppID, `{"appId":"`+a.AppID+`","name":"test_app"}`)
	wantRefused(t, e.call("PUT", "/otp/app/update/"+a.AppID, `{"appId":"`+a.AppID+`","name":"full_app_renamed"}`, nil), "-20", "name")

	// The appId in the body must be the path's.
	for _, body := range []string{
		`{"name":"test_app"}`,
		`{"appId":null,"name":"test_app"}`,
		`{"appId":"","name":"test_app"}`,
		`{"appId":"` + full.AppID + `","name":"test_app"}`,
		`{"appId":"` + strings.ToLower(a.AppID) + `x","name":"test_app"}`,
		`{"appId":12345678,"name":"test_app"}`,
	} {
		wantRefused(t, e.call("PUT", "/otp/app/update/"+a.AppID, body, nil), "-22", "appId")
	}
	if got := e.srv.Apps(key); len(got) != 2 || got[0].AppID != a.AppID || got[0].Name != "test_app" || got[1].AppID != full.AppID {
		t.Fatalf("apps %+v", got)
	}
}

func TestAppValidation(t *testing.T) {
	limit := func(fields string) string { return `{"name":"abcd","periodTotalSendLimit":{` + fields + `}}` }
	phone := func(fields string) string { return `{"name":"abcd","periodPhoneSendLimit":{` + fields + `}}` }
	tests := []struct {
		name, body, reason string // reason "" means valid
	}{
		{"not JSON", `{"name":`, "JSON object"},
		{"array", `[{"name":"abcd"}]`, "JSON object"},
		{"no name", `{"codeExpiry":5}`, "name is required"},
		{"empty body", `{}`, "name is required"},
		{"name not a string", `{"name":12345}`, "name must be a string"},
		{"name 3 chars", `{"name":"abc"}`, "name must be 4 to 32 characters"},
		{"name 4 chars", `{"name":"abcd"}`, ""},
		{"name 32 chars", `{"name":"` + strings.Repeat("a", 32) + `"}`, ""},
		{"name 33 chars", `{"name":"` + strings.Repeat("a", 33) + `"}`, "name must be 4 to 32 characters"},
		{"name 3 Chinese chars (9 bytes)", `{"name":"验证码"}`, "name must be 4 to 32 characters"},
		{"name 4 Chinese chars (12 bytes)", `{"name":"验证应用"}`, ""},
		{"name 32 Chinese chars (96 bytes)", `{"name":"` + strings.Repeat("应", 32) + `"}`, ""},
		{"name 33 Chinese chars", `{"name":"` + strings.Repeat("应", 33) + `"}`, "name must be 4 to 32 characters"},
		{"codeExpiry 0", `{"name":"abcd","codeExpiry":0}`, "codeExpiry must be between 1 and 60"},
		{"codeExpiry 1", `{"name":"abcd","codeExpiry":1}`, ""},
		{"codeExpiry 60", `{"name":"abcd","codeExpiry":60}`, ""},
		{"codeExpiry 61", `{"name":"abcd","codeExpiry":61}`, "codeExpiry must be between 1 and 60"},
		{"codeExpiry null", `{"name":"abcd","codeExpiry":null}`, ""},
		{"codeExpiry string", `{"name":"abcd","codeExpiry":"5"}`, "codeExpiry must be an integer"},
		{"codeExpiry fraction", `{"name":"abcd","codeExpiry":5.5}`, "codeExpiry must be an integer"},
		{"limit not an object", `{"name":"abcd","periodTotalSendLimit":true}`, "periodTotalSendLimit must be an object"},
		{"limit an array", `{"name":"abcd","periodPhoneSendLimit":[]}`, "periodPhoneSendLimit must be an object"},
		{"limit empty", limit(``), ""},
		{"enabled string", limit(`"enabled":"true","unit":1,"period":1,"limit":1`), "periodTotalSendLimit.enabled must be true or false"},
		{"enabled 1", phone(`"enabled":1`), "periodPhoneSendLimit.enabled must be true or false"},
		{"disabled with bad values", limit(`"enabled":false,"unit":"x","period":-1,"limit":1e99`), ""},
		{"enabled absent with values", phone(`"unit":9,"period":900,"limit":0`), ""},
		{"unit missing", limit(`"enabled":true,"period":1,"limit":1`), "periodTotalSendLimit.unit is required"},
		{"unit null", limit(`"enabled":true,"unit":null,"period":1,"limit":1`), "periodTotalSendLimit.unit is required"},
		{"unit 0", limit(`"enabled":true,"unit":0,"period":1,"limit":1`), "periodTotalSendLimit.unit must be 1 (day)"},
		{"unit 1", limit(`"enabled":true,"unit":1,"period":1,"limit":1`), ""},
		{"unit 4", limit(`"enabled":true,"unit":4,"period":1,"limit":1`), ""},
		{"unit 5", phone(`"enabled":true,"unit":5,"period":1,"limit":1`), "periodPhoneSendLimit.unit must be 1 (day), 2 (hour), 3 (minute) or 4 (second)"},
		{"unit string", limit(`"enabled":true,"unit":"1","period":1,"limit":1`), "periodTotalSendLimit.unit must be an integer"},
		{"period missing", limit(`"enabled":true,"unit":1,"limit":1`), "periodTotalSendLimit.period is required"},
		{"period 0", limit(`"enabled":true,"unit":1,"period":0,"limit":1`), "periodTotalSendLimit.period must be between 1 and 90"},
		{"period 90", limit(`"enabled":true,"unit":1,"period":90,"limit":1`), ""},
		{"period 91", phone(`"enabled":true,"unit":1,"period":91,"limit":1`), "periodPhoneSendLimit.period must be between 1 and 90"},
		{"limit missing", limit(`"enabled":true,"unit":1,"period":1`), "periodTotalSendLimit.limit is required"},
		{"limit 0", limit(`"enabled":true,"unit":1,"period":1,"limit":0`), "periodTotalSendLimit.limit must be between 1 and 10000000000"},
		{"limit 1", limit(`"enabled":true,"unit":1,"period":1,"limit":1`), ""},
		{"limit 10000000000 (34 bits)", limit(`"enabled":true,"unit":1,"period":1,"limit":10000000000`), ""},
		{"limit 10000000001", phone(`"enabled":true,"unit":1,"period":1,"limit":10000000001`), "periodPhoneSendLimit.limit must be between 1 and 10000000000"},
		{"limit string", limit(`"enabled":true,"unit":1,"period":1,"limit":"100"`), "periodTotalSendLimit.limit must be an integer"},
		{"limit fraction", limit(`"enabled":true,"unit":1,"period":1,"limit":1.5`), "periodTotalSendLimit.limit must be an integer"},
	}
	e := newEnv(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh name each time, so that valid bodies do not clash.
			body := strings.Replace(tt.body, `"name":"abcd"`, `"name":"abcd-`+id64(int64(i))+`"`, 1)
			r := e.call("POST", "/otp/app/add", body, nil)
			if tt.reason == "" {
				if r.Status != "0" {
					t.Fatalf("valid body refused: %q %q", r.Status, r.Reason)
				}
				a := decode[App](t, r.Data)
				// The same body is a valid update too.
				upd := withAppID(body, a.AppID)
				if r := e.call("PUT", "/otp/app/update/"+a.AppID, upd, nil); r.Status != "0" {
					t.Fatalf("valid update refused: %q %q", r.Status, r.Reason)
				}
				return
			}
			wantRefused(t, r, "-22", tt.reason)
			// The same rules hold on update.
			if len(body) > 1 && body[0] == '{' && len(e.srv.Apps(key)) > 0 {
				id := e.srv.Apps(key)[0].AppID
				wantRefused(t, e.call("PUT", "/otp/app/update/"+id, withAppID(body, id), nil), "-22", tt.reason)
			}
		})
	}
}

// withAppID makes an app body an update body.
func withAppID(body, id string) string {
	field := `"appId":"` + id + `"`
	if !strings.HasPrefix(body, "{}") {
		field += ","
	}
	return strings.Replace(body, "{", "{"+field, 1)
}

func TestAppIDs(t *testing.T) {
	e := newEnv(t)
	e.srv.SetFaults(Faults{Seed: 42})
	seen := map[string]bool{}
	for i := range 300 {
		a := e.newApp("app-" + id64(int64(i+1000)))
		if seen[a.AppID] || len(a.AppID) != appIDLength {
			t.Fatalf("app id %q repeated or malformed", a.AppID)
		}
		seen[a.AppID] = true
	}
	if raw := string(e.must("GET", "/otp/app/details/"+e.srv.Apps(key)[0].AppID, "")); !strings.Contains(raw, "app-1000") {
		t.Fatalf("details %s", raw)
	}
	// Ids are case-sensitive: a case variant is another id.
	first := e.srv.Apps(key)[0].AppID
	if variant := strings.ToUpper(first); variant != first {
		wantRefused(t, e.call("GET", "/otp/app/details/"+variant, "", nil), "-24", "appId")
	}

	// The same seed draws the same ids again, but an id once given out is
	// never given out again, even after its app is gone.
	e2 := newEnv(t)
	e2.srv.SetFaults(Faults{Seed: 7})
	a := e2.newApp("first-app")
	if err := e2.srv.DeleteApp(a.AppID); err != nil {
		t.Fatal(err)
	}
	e2.srv.SetFaults(Faults{Seed: 7})
	if b := e2.newApp("first-app"); b.AppID == a.AppID {
		t.Fatalf("id %s given out twice", a.AppID)
	}
	e3 := newEnv(t)
	e3.srv.SetFaults(Faults{Seed: 7})
	if c := e3.newApp("first-app"); c.AppID != a.AppID {
		t.Fatalf("seed 7 drew %s, then %s", a.AppID, c.AppID)
	}
}

func TestAppConsole(t *testing.T) {
	clk := newClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	e := newEnv(t, func(o *Options) { o.Now = clk.now })

	// AddApp assigns the id and createTime whatever it is given, and fills
	// the default codeExpiry.
	a, err := e.srv.AddApp(key, App{AppID: "mine", Name: "console-app", CreateTime: "yesterday"})
	if err != nil {
		t.Fatal(err)
	}
	if a.AppID == "mine" || len(a.AppID) != appIDLength || a.CreateTime != "2026-01-02T11:04:05+08:00" || a.CodeExpiry != 5 ||
		a.PeriodTotalSendLimit != (Limit{}) {
		t.Fatalf("added %+v", a)
	}
	unit, period, lim := 9, 1, int64(1)
	for _, bad := range []App{
		{Name: "abc"},
		{Name: "console-app"}, // taken
		{Name: "abcd", CodeExpiry: 61},
		{Name: "abcd", PeriodPhoneSendLimit: Limit{Enabled: true, Unit: &unit, Period: &period, Limit: &lim}},
		{Name: "abcd", PeriodPhoneSendLimit: Limit{Enabled: true}},
	} {
		if _, err := e.srv.AddApp(key, bad); err == nil {
			t.Fatalf("AddApp(%+v) accepted", bad)
		}
	}
	if _, err := e.srv.AddApp("nobody", App{Name: "abcd"}); err == nil {
		t.Fatal("AddApp for an unknown key")
	}
	// A disabled limit drops its values, as on the API.
	unit = 1
	b, err := e.srv.AddApp(key, App{Name: "second-app", PeriodTotalSendLimit: Limit{Unit: &unit, Period: &period, Limit: &lim}})
	if err != nil || b.PeriodTotalSendLimit != (Limit{}) {
		t.Fatalf("added %+v %v", b, err)
	}

	// EditApp: validated; the id and createTime stay.
	clk.add(time.Hour)
	got, err := e.srv.EditApp(a.AppID, func(a *App) {
		a.AppID, a.CreateTime, a.CodeExpiry = "other", "never", 30
		a.PeriodTotalSendLimit = Limit{Enabled: true, Unit: &unit, Period: &period, Limit: &lim}
	})
	if err != nil || got.AppID != a.AppID || got.CreateTime != a.CreateTime || got.CodeExpiry != 30 || *got.PeriodTotalSendLimit.Limit != 1 {
		t.Fatalf("edited %+v %v", got, err)
	}
	lim = 99 // the caller's pointers are not the store's
	*got.PeriodTotalSendLimit.Unit = 3
	if d := decode[App](t, e.must("GET", "/otp/app/details/"+a.AppID, "")); *d.PeriodTotalSendLimit.Limit != 1 || *d.PeriodTotalSendLimit.Unit != 1 {
		t.Fatalf("the store shares memory with a caller: %+v", d.PeriodTotalSendLimit)
	}
	if _, err := e.srv.EditApp(a.AppID, func(a *App) { a.Name = "second-app" }); err == nil {
		t.Fatal("rename onto another app accepted")
	}
	if _, err := e.srv.EditApp(a.AppID, func(a *App) { a.CodeExpiry = 0 }); err == nil {
		t.Fatal("an invalid edit was accepted")
	}
	if _, err := e.srv.EditApp("nope", func(*App) {}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("edit unknown: %v", err)
	}

	// The HTTP console.
	patched := decode[App](t, e.mustControl(200, "PATCH", "/_sandbox/apps/"+a.AppID+"?key="+key, `{"name":"patched-app","periodTotalSendLimit":{"enabled":false}}`))
	if patched.Name != "patched-app" || patched.CodeExpiry != 30 || patched.PeriodTotalSendLimit != (Limit{}) || patched.CreateTime != a.CreateTime {
		t.Fatalf("patched %+v", patched)
	}
	for _, bad := range []string{`{"createTime":"2020-01-01T00:00:00+08:00"}`, `{"appId":"x"}`, `{"codeExpiry":"5"}`, `{"codeExpiry":0}`, `{"limits":1}`,
		`{"periodPhoneSendLimit":{"enabled":true,"unit":1,"period":1,"limit":1,"extra":0}}`} {
		if status, raw := e.control("PATCH", "/_sandbox/apps/"+a.AppID+"?key="+key, bad); status != 400 {
			t.Fatalf("PATCH %s: %d %s", bad, status, raw)
		}
	}
	if status, _ := e.control("PATCH", "/_sandbox/apps/nope?key="+key, `{"name":"abcd"}`); status != 404 {
		t.Fatalf("PATCH unknown: %d", status)
	}
	created := decode[App](t, e.mustControl(201, "POST", "/_sandbox/apps?key="+otherKey, `{"name":"other-console","codeExpiry":7}`))
	if created.CodeExpiry != 7 || len(e.srv.Apps(otherKey)) != 1 {
		t.Fatalf("console add %+v", created)
	}
	if list := decode[[]App](t, e.mustControl(200, "GET", "/_sandbox/apps?key="+key, "")); len(list) != 2 || list[0].AppID != a.AppID || list[1].AppID != b.AppID {
		t.Fatalf("console list %+v", list)
	}

	// An app with templates stays until they are gone.
	tp := e.newTemplate(a.AppID, "uses-the-app")
	if err := e.srv.DeleteApp(a.AppID); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), id64(tp.TemplateID)) {
		t.Fatalf("delete an app in use: %v", err)
	}
	if status, raw := e.control("DELETE", "/_sandbox/apps/"+a.AppID+"?key="+key, ""); status != 409 {
		t.Fatalf("control delete in use: %d %s", status, raw)
	}
	if err := e.srv.DeleteTemplate(tp.TemplateID); err != nil {
		t.Fatal(err)
	}
	e.mustControl(204, "DELETE", "/_sandbox/apps/"+a.AppID+"?key="+key, "")
	wantRefused(t, e.call("GET", "/otp/app/details/"+a.AppID, "", nil), "-24", "appId")
	if err := e.srv.DeleteApp(a.AppID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if status, _ := e.control("DELETE", "/_sandbox/apps/"+a.AppID+"?key="+key, ""); status != 404 {
		t.Fatalf("control delete unknown: %d", status)
	}
}
