package sandbox

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// recorder keeps the patterns mounted on it.
type recorder []string

func (r *recorder) Handle(pattern string, _ http.Handler) { *r = append(*r, pattern) }

// The reference describes exactly what is mounted: a route added beside
// the table, or a described route left unmounted, fails here.
func TestControlRoutesDescribeEveryMountedRoute(t *testing.T) {
	var mounted recorder
	newEnv(t).srv.mount(&mounted)
	var control []string
	vendor := 0
	plain := map[string]bool{} // the sna URLs, the web inbox
	for _, r := range Routes() {
		if r.Auth == AuthNone {
			plain[r.Method+" "+exact(r.Path)] = true
		}
	}
	for _, p := range mounted {
		switch _, path, _ := strings.Cut(p, " "); {
		case strings.HasPrefix(path, "/_sandbox/"):
			control = append(control, p)
		case plain[p], !strings.Contains(p, " "): // unauthenticated routes; the envelope for unknown paths
		default:
			vendor++
		}
	}
	var described []string
	for _, r := range ControlRoutes() {
		described = append(described, r.Method+" "+r.Path)
		if r.Does == "" || r.Answer == "" {
			t.Errorf("%s %s: no description or answer", r.Method, r.Path)
		}
		if (r.Body == "") != (r.Method == "GET" || r.Method == "DELETE" || r.Path == "/_sandbox/reset") {
			t.Errorf("%s %s: body %q", r.Method, r.Path, r.Body)
		}
	}
	if !slices.Equal(control, described) {
		t.Fatalf("mounted control routes:\n%s\ndescribed:\n%s", strings.Join(control, "\n"), strings.Join(described, "\n"))
	}
	if vendor != len(routeNames()) {
		t.Fatalf("%d vendor routes mounted, %d named", vendor, len(routeNames()))
	}
}

// The field lists are written by hand beside each parser; here they are
// held to the JSON the sandbox really reads and answers.
func TestControlFieldsAreTheJSONFields(t *testing.T) {
	byPath := map[string]Route{}
	for _, r := range ControlRoutes() {
		byPath[r.Method+" "+r.Path] = r
	}
	check := func(what string, typ reflect.Type, docs []Field, except ...string) {
		t.Helper()
		want := jsonFields(typ, "")
		var got []string
		walk(docs, "", &got)
		got = append(got, except...)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: documented %v, JSON has %v", what, got, want)
		}
	}
	check("faults", reflect.TypeFor[Faults](), byPath["PUT /_sandbox/faults"].Fields)
	for _, k := range []struct {
		many, idField string
		typ           reflect.Type
	}{
		{"flows", "flowId", reflect.TypeFor[Flow]()},
		{"apps", "appId", reflect.TypeFor[App]()},
		{"templates", "templateId", reflect.TypeFor[Template]()},
	} {
		add := byPath["POST /_sandbox/"+k.many]
		check(k.many, k.typ, add.Fields)
		if !strings.Contains(add.Does, k.idField) {
			t.Errorf("%s: the add does not name the id it assigns: %s", k.many, add.Does)
		}
	}
	for _, r := range ControlRoutes() {
		for _, f := range r.Fields {
			if f.Values == "" {
				t.Errorf("%s %s: field %s undescribed", r.Method, r.Path, f.Name)
			}
		}
	}
	if routes := byPath["PUT /_sandbox/faults"].Fields[5]; routes.Name != "routes" || !strings.Contains(routes.Values, `"`+RouteTemplateList+`"`) {
		t.Errorf("the routes field does not list the route names: %+v", routes)
	}
}

func TestControlReferenceFollowsTheKinds(t *testing.T) {
	byPath := map[string]Route{}
	for _, r := range ControlRoutes() {
		byPath[r.Method+" "+r.Path] = r
	}
	// What PATCH refuses is what the reference says cannot change.
	for _, fixed := range []struct{ route, field string }{
		{"PATCH /_sandbox/flows/{id}", "flowId"},
		{"PATCH /_sandbox/apps/{id}", "appId and createTime"},
		{"PATCH /_sandbox/templates/{id}", "templateId and appId"},
	} {
		if !strings.Contains(byPath[fixed.route].Does, fixed.field+" cannot change") {
			t.Errorf("%s: %s", fixed.route, byPath[fixed.route].Does)
		}
	}
	if f := byPath["POST /_sandbox/templates"].Fields[1]; f.Name != "appId" || !strings.HasSuffix(f.Values, "cannot change") {
		t.Errorf("the template's appId: %+v", f)
	}
	// Only kinds whose objects others use can refuse a delete.
	if !strings.Contains(byPath["DELETE /_sandbox/apps/{id}"].Errors, "409") || strings.Contains(byPath["DELETE /_sandbox/flows/{id}"].Errors, "409") {
		t.Error("409 is documented for the wrong deletes")
	}
	if (appKind.users == nil) != (appKind.usedBy == "") || (flowKind.users == nil) != (flowKind.usedBy == "") || (templateKind.users == nil) != (templateKind.usedBy == "") {
		t.Error("usedBy must name what users looks for, and only then")
	}
	// The table is a copy: a caller cannot change the reference.
	byPath["POST /_sandbox/flows"].Fields[2].Fields[0].Name = "changed"
	for _, r := range ControlRoutes() {
		if r.Path == "/_sandbox/flows" && r.Method == "POST" && r.Fields[2].Fields[0].Name != "waitingTime" {
			t.Error("ControlRoutes shares its fields")
		}
	}
}

// The console's add reads a body as the vendor's add does: what it leaves
// out takes the vendor's default, and what it sends is checked as sent.
// Before, a template added without speechRate got 0, not 50, and a
// codeExpiry of 0 became 5.
func TestConsoleAddTakesTheVendorDefaults(t *testing.T) {
	e := newEnv(t)
	a := decode[App](t, e.mustControl(201, "POST", "/_sandbox/apps?key="+key, `{"name":"defaults-app"}`))
	if a.CodeExpiry != codeExpiryDefault || a.PeriodTotalSendLimit != (Limit{}) || a.CreateTime == "" {
		t.Fatalf("app %+v", a)
	}
	tp := decode[Template](t, e.mustControl(201, "POST", "/_sandbox/templates?key="+key, `{"appId":"`+a.AppID+`","name":"defaults-template","text":"##code##"}`))
	want := Template{TemplateID: firstTemplateID, AppID: a.AppID, Name: "defaults-template", Text: "##code##", CodeType: codeTypeDefault, CodeLength: codeLengthDefault,
		SpeechRate: speechRateDefault, Language: languageDefault, MaxDuration: maxDurationDefault, RepeatCnt: repeatCntDefault}
	if tp != want {
		t.Fatalf("template %+v, want %+v", tp, want)
	}
	zero := decode[Template](t, e.mustControl(201, "POST", "/_sandbox/templates?key="+key, `{"appId":"`+a.AppID+`","name":"silent-template","text":"##code##","speechRate":0}`))
	if zero.SpeechRate != 0 {
		t.Fatalf("speechRate 0 sent, %d stored", zero.SpeechRate)
	}
	for _, bad := range []string{`{"name":"zero-expiry","codeExpiry":0}`, `{"name":"typed-expiry","codeExpiry":"5"}`, `{"name":"misspelt","codeExpiri":5}`} {
		if status, raw := e.control("POST", "/_sandbox/apps?key="+key, bad); status != 400 {
			t.Errorf("POST %s: %d %s", bad, status, raw)
		}
	}
	// Fields the sandbox assigns are ignored when sent.
	f := decode[Flow](t, e.mustControl(201, "POST", "/_sandbox/flows?key="+key, `{"flowId":5,"name":"assigned-id","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`))
	if f.FlowID != firstFlowID {
		t.Fatalf("flowId %d", f.FlowID)
	}
	b := decode[App](t, e.mustControl(201, "POST", "/_sandbox/apps?key="+key, `{"appId":"mine","name":"assigned-app","createTime":"2020-01-01T00:00:00+08:00"}`))
	if b.AppID == "mine" || strings.HasPrefix(b.CreateTime, "2020") {
		t.Fatalf("app %+v", b)
	}
}

// jsonFields lists a type's JSON field paths as the reference writes
// them: "flow.waitingTime" for each element's field of an array.
func jsonFields(typ reflect.Type, prefix string) []string {
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, prefix+name)
		inner := f.Type
		for inner.Kind() == reflect.Slice || inner.Kind() == reflect.Pointer {
			inner = inner.Elem()
		}
		if inner.Kind() == reflect.Struct {
			out = append(out, jsonFields(inner, prefix+name+".")...)
		}
	}
	return out
}

func walk(docs []Field, prefix string, out *[]string) {
	for _, f := range docs {
		*out = append(*out, prefix+f.Name)
		walk(f.Fields, prefix+f.Name+".", out)
	}
}

// Every route in the reference, mounted or added later, is behind the
// token; TestControlSurfaceRequiresTheToken checks that nothing changes.
func TestEveryControlRouteRequiresTheToken(t *testing.T) {
	e := newEnv(t)
	var public []string
	for _, r := range ControlRoutes() {
		if r.Auth == AuthNone {
			public = append(public, r.Method+" "+r.Path)
			continue
		}
		path := strings.ReplaceAll(r.Path, "{id}", "1")
		if status, raw, _ := e.controlAuth("", r.Method, path, "{}"); status != http.StatusUnauthorized {
			t.Errorf("%s %s without the token: %d %s", r.Method, path, status, raw)
		}
	}
	if want := []string{"GET " + HealthPath, "GET " + OpenAPIPath}; !slices.Equal(public, want) {
		t.Errorf("routes without the token: %v, want %v", public, want)
	}
}

// TestPatchErrorsGrammar: the console's refusals name the kind with the
// right article ("an app", not "a app").
func TestPatchErrorsGrammar(t *testing.T) {
	var a App
	if err := appKind.patch(&a, map[string]json.RawMessage{"colour": []byte(`"red"`)}); err == nil || !strings.Contains(err.Error(), "an app has no field") {
		t.Errorf("unknown field: %v", err)
	}
	if err := appKind.patch(&a, map[string]json.RawMessage{"createTime": []byte(`"x"`)}); err == nil || !strings.Contains(err.Error(), "an app's createTime cannot change") {
		t.Errorf("fixed field: %v", err)
	}
}

// A body over the limit is answered as one, naming the limit: -22 on the
// vendor API, 413 on the control surface, however large it is. (Before,
// bodies were cut at 1 MiB without a word: "-22 the request body must be a
// JSON object", "unexpected EOF", or a reset connection.)
func TestBodiesOverTheLimit(t *testing.T) {
	e := newHTTPSvc(t)
	for _, size := range []int{maxBody + 1, 10 << 20} {
		big := `{"appId":"` + strings.Repeat("x", size) + `"}`
		r := e.call("POST", "/otp/verification/send", big, nil)
		wantRefused(t, r, "-22", "1 MiB")
		status, raw := e.control("POST", "/_sandbox/flows", big)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), "1 MiB") {
			t.Fatalf("a control body of %d bytes: %d %s", size, status, raw)
		}
		status, raw = e.control("PUT", "/_sandbox/faults", big)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), `"error"`) {
			t.Fatalf("a faults body of %d bytes: %d %s", size, status, raw)
		}
	}
	// At the limit, a body is read whole.
	atLimit := `{"name":"at-the-limit","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`
	atLimit += strings.Repeat(" ", maxBody-len(atLimit))
	if status, raw := e.control("POST", "/_sandbox/flows", atLimit); status != 201 {
		t.Fatalf("a body of exactly the limit: %d %s", status, raw)
	}
}

// A control body is one JSON value: anything after it is refused.
func TestControlBodiesAreOneJSONValue(t *testing.T) {
	e := newEnv(t)
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/_sandbox/faults?key=" + key, `{"latencyMs":1} garbage {`},
		{"PUT", "/_sandbox/faults?key=" + key, `{"latencyMs":1}{"latencyMs":2}`},
		{"POST", "/_sandbox/flows?key=" + key, validFlow + ` x`},
		{"PATCH", "/_sandbox/flows/10001?key=" + key, `{"name":"abcd"} []`},
	} {
		status, raw := e.control(r.method, r.path, r.body)
		if status != 400 || !strings.Contains(string(raw), "follows the JSON value") {
			t.Errorf("%s %s %s: %d %s", r.method, r.path, r.body, status, raw)
		}
	}
	if f := e.srv.CurrentFaults(); f.LatencyMS != 0 {
		t.Fatalf("a refused body set the faults: %+v", f)
	}
	e.mustControl(200, "PUT", "/_sandbox/faults?key="+key, "{\"latencyMs\":0}\n\t ")
}

// Every path under /_sandbox/ that no route has answers {"error": …}, as
// every control failure does: 404, or 405 with the methods the path takes.
func TestUnknownControlPathsAnswerJSON(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/_sandbox/nothing", 404, ""},
		{"GET", "/_sandbox/", 404, ""},
		{"POST", "/_sandbox/flows/10001/extra", 404, ""},
		{"PUT", "/_sandbox/flows", 405, "GET, POST"},
		{"GET", "/_sandbox/reset", 405, "POST"},
		{"POST", "/_sandbox/numbers/4915100000001", 405, "DELETE, GET, PUT"},
	} {
		status, raw, header := e.controlAuth("Bearer "+controlToken, c.method, c.path+"?key="+key, "")
		var body map[string]string
		if err := json.Unmarshal(raw, &body); err != nil || body["error"] == "" || status != c.status || header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d %q Allow %q", c.method, c.path, status, raw, header.Get("Allow"))
		}
	}
}

// Every control route about an account refuses a query parameter it does not take,
// naming it and the ones it takes, before it does anything: a misspelt
// filter must not select, or delete, everything.
func TestControlRoutesRefuseAQueryParameterTheyDoNotTake(t *testing.T) {
	e := newEnv(t)
	for _, r := range ControlRoutes() {
		if r.Auth != AuthControl {
			continue // health and the document select nothing (TestHealthOpensNoAccount)
		}
		// The parameters the reference says the route takes, each named
		// as the error must name it, and the account's key.
		takes := []string{"key"}
		for _, p := range r.Params {
			if name, query := strings.CutPrefix(p.Name, "?"); query {
				takes = append(takes, strings.TrimSuffix(name, "="))
			}
		}
		query := "?key=" + key + "&nope=1"
		path := strings.NewReplacer("{id}", "1", "{to}", "4915100000001").Replace(r.Path)
		status, raw := e.control(r.Method, path+query, "")
		var answer struct{ Error string }
		_ = json.Unmarshal(raw, &answer) // a route that takes the request may answer no JSON
		msg := answer.Error
		if status != http.StatusBadRequest || !strings.Contains(msg, `"nope"`) {
			t.Errorf("%s %s: HTTP %d %s, want 400 naming \"nope\"", r.Method, path+query, status, raw)
			continue
		}
		for _, name := range takes {
			if !strings.Contains(msg, name) {
				t.Errorf("%s %s: the error does not name %s, which the route takes: %s", r.Method, r.Path, name, msg)
			}
		}
	}
}

// The trial's typos: a misspelt filter neither lists nor deletes every
// message, and a misspelt key does not reset a sandbox of one account.
func TestAMisspeltParameterChangesNothing(t *testing.T) {
	e := newHTTPSvc(t)
	e.send("4915100000001", "")
	e.send("4915100000002", "")
	for _, req := range []struct{ method, path, names string }{
		{"GET", "/_sandbox/messages?too=4915100000001", `"too"`},
		{"GET", "/_sandbox/messages?verificationID=1&wait=1", `"verificationID"`},
		{"DELETE", "/_sandbox/messages?too=4915100000001", `"too"`},
		{"POST", "/_sandbox/reset?kye=" + key, `"kye"`},
	} {
		status, raw := e.control(req.method, req.path, "")
		msg := decode[map[string]string](t, raw)["error"]
		if status != http.StatusBadRequest || !strings.Contains(msg, req.names) {
			t.Errorf("%s %s: HTTP %d %s", req.method, req.path, status, raw)
		}
	}
	if ms := e.messages(""); len(ms) != 2 {
		t.Fatalf("%d messages left of 2", len(ms))
	}
	if apps := e.srv.Apps(key); len(apps) != 1 {
		t.Fatalf("the account's apps after a refused reset: %+v", apps)
	}
}
