package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// seeded is what TestAccountIsolation gives each case: a sandbox whose
// main account holds one object of each kind and has had requests, and an
// other account that holds objects of its own with the same names.
type seeded struct {
	*env
	flow     Flow
	app      App
	template Template
	other    struct {
		flow     Flow
		app      App
		template Template
	}
}

func seed(t *testing.T) seeded {
	e := seeded{env: newEnv(t)}
	e.flow = e.newFlow("shared-flow")
	e.app = e.newApp("shared-app")
	e.template = e.newTemplate(e.app.AppID, "shared-template")
	e.other.flow = decode[Flow](t, e.asOther("POST", "/otp/flow/add", `{"name":"shared-flow","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`).Data)
	e.other.app = decode[App](t, e.asOther("POST", "/otp/app/add", `{"name":"shared-app"}`).Data)
	e.other.template = decode[Template](t, e.asOther("POST", "/otp/template/add", `{"appId":"`+e.other.app.AppID+`","name":"shared-template","text":"##code##"}`).Data)
	return e
}

func (e seeded) mainUnchanged() {
	e.t.Helper()
	if f := e.srv.Flows(key); len(f) != 1 || f[0].Name != "shared-flow" || f[0].Flow[0].WaitingTime != 30 {
		e.t.Fatalf("the main account's flows changed: %+v", f)
	}
	if a := e.srv.Apps(key); len(a) != 1 || a[0] != e.app {
		e.t.Fatalf("the main account's apps changed: %+v", a)
	}
	if tp := e.srv.Templates(key); len(tp) != 1 || tp[0] != e.template {
		e.t.Fatalf("the main account's templates changed: %+v", tp)
	}
}

func (e seeded) requests(k string) map[string]int {
	e.t.Helper()
	var body struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal(e.mustControl(200, "GET", "/_sandbox/requests?key="+k, ""), &body); err != nil {
		e.t.Fatal(err)
	}
	return body.Counts
}

// An account never sees or changes another's objects, counters or faults,
// through any route. Every vendor route and every control route must have
// a case here: a route added without one fails the test.
func TestAccountIsolation(t *testing.T) {
	const otherFlowBody = `{"name":"taken-over","flow":[{"waitingTime":90,"status":2,"channel":"call"}]}`
	vendor := map[string]func(e seeded){
		RouteFlowAdd: func(e seeded) {
			// The other account made a flow of the same name; a third name
			// is the other's alone.
			e.asOther("POST", "/otp/flow/add", `{"name":"only-other","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
			e.mainUnchanged()
		},
		RouteFlowUpdate: func(e seeded) {
			wantRefused(e.t, e.asOther("PUT", "/otp/flow/update/"+id64(e.flow.FlowID), otherFlowBody), "-24", "flowId")
			e.mainUnchanged()
		},
		RouteFlowDetails: func(e seeded) {
			wantRefused(e.t, e.asOther("GET", "/otp/flow/details/"+id64(e.flow.FlowID), ""), "-24", "flowId")
		},
		RouteFlowList: func(e seeded) {
			if got := decode[[]Flow](e.t, e.asOther("GET", "/otp/flow/list", "").Data); len(got) != 1 || got[0].FlowID != e.other.flow.FlowID {
				e.t.Fatalf("the other account lists %+v", got)
			}
		},
		RouteAppAdd: func(e seeded) {
			e.asOther("POST", "/otp/app/add", `{"name":"only-other"}`)
			e.mainUnchanged()
		},
		RouteAppUpdate: func(e seeded) {
			wantRefused(e.t, e.asOther("PUT", "/otp/app/update/"+e.app.AppID, `{"appId":"`+e.app.AppID+`","name":"taken-over"}`), "-24", "appId")
			e.mainUnchanged()
		},
		RouteAppDetails: func(e seeded) {
			wantRefused(e.t, e.asOther("GET", "/otp/app/details/"+e.app.AppID, ""), "-24", "appId")
		},
		RouteTemplateAdd: func(e seeded) {
			// Not even a template of one's own on another's app.
			wantRefused(e.t, e.asOther("POST", "/otp/template/add", `{"appId":"`+e.app.AppID+`","name":"borrowed","text":"##code##"}`), "-24", "appId")
			e.mainUnchanged()
		},
		RouteTemplateUpdate: func(e seeded) {
			wantRefused(e.t, e.asOther("PUT", "/otp/template/update/"+id64(e.template.TemplateID), `{"name":"taken-over","text":"##code##"}`), "-24", "templateId")
			e.mainUnchanged()
		},
		RouteTemplateDetails: func(e seeded) {
			wantRefused(e.t, e.asOther("GET", "/otp/template/details/"+id64(e.template.TemplateID), ""), "-24", "templateId")
		},
		RouteTemplateList: func(e seeded) {
			if got := decode[[]Template](e.t, e.asOther("GET", "/otp/template/list", "").Data); len(got) != 1 || got[0].TemplateID != e.other.template.TemplateID {
				e.t.Fatalf("the other account lists %+v", got)
			}
		},
	}
	maps.Copy(vendor, serviceIsolationVendor)
	if got, want := slices.Sorted(maps.Keys(vendor)), slices.Sorted(slices.Values(routeNames())); !slices.Equal(got, want) {
		t.Errorf("vendor routes with an isolation case %q, mounted %q", got, want)
	}
	for route, check := range vendor {
		t.Run(route, func(t *testing.T) { check(seed(t)) })
	}

	o := "?key=" + otherKey
	control := map[string]func(e seeded){
		"POST /_sandbox/reset": func(e seeded) {
			e.srv.SetFaults(Faults{LatencyMS: 1})
			before := e.requests(key)
			e.mustControl(204, "POST", "/_sandbox/reset"+o, "")
			e.mainUnchanged()
			if got := e.requests(key); !maps.Equal(got, before) || len(got) == 0 {
				e.t.Fatalf("the main account's counters went from %v to %v", before, got)
			}
			if f := decode[Faults](e.t, e.mustControl(200, "GET", "/_sandbox/faults?key="+key, "")); f.LatencyMS != 1 {
				e.t.Fatalf("the main account's faults: %+v", f)
			}
			if len(e.srv.Flows(otherKey))+len(e.srv.Apps(otherKey))+len(e.srv.Templates(otherKey)) != 0 || len(e.requests(otherKey)) != 0 {
				e.t.Fatal("the reset account kept something")
			}
			// Ids keep counting: they are the sandbox's.
			if f := decode[Flow](e.t, e.asOther("POST", "/otp/flow/add", `{"name":"after-reset","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`).Data); f.FlowID != e.other.flow.FlowID+1 {
				e.t.Fatalf("flow id after an account's reset %d", f.FlowID)
			}
		},
		"GET /_sandbox/requests": func(e seeded) {
			e.asOther("GET", "/otp/flow/list", "")
			if got := e.requests(otherKey); got[RouteFlowList] != 1 || got[RouteFlowAdd] != 1 || total(got) != 4 {
				e.t.Fatalf("the other account's counts %v", got)
			}
			if got := e.requests(key); got[RouteFlowList] != 0 || total(got) != 3 {
				e.t.Fatalf("the main account's counts %v", got)
			}
		},
		"DELETE /_sandbox/requests": func(e seeded) {
			e.mustControl(204, "DELETE", "/_sandbox/requests"+o, "")
			if total(e.requests(otherKey)) != 0 || total(e.requests(key)) != 3 {
				e.t.Fatal("zeroing one account's counters touched the other's")
			}
		},
		"GET /_sandbox/faults": func(e seeded) {
			acct, _ := e.srv.Account(key)
			acct.SetFaults(Faults{LatencyMS: 7})
			if f := decode[Faults](e.t, e.mustControl(200, "GET", "/_sandbox/faults"+o, "")); f.LatencyMS != 0 {
				e.t.Fatalf("the other account reads %+v", f)
			}
		},
		"PUT /_sandbox/faults": func(e seeded) {
			e.mustControl(200, "PUT", "/_sandbox/faults"+o, `{"systemErrorRate":1,"clockSkewSeconds":3600}`)
			e.must("GET", "/otp/flow/list", "")
			if r := e.asOther("GET", "/otp/flow/list", ""); r.Status != "-16" {
				e.t.Fatalf("the faulted account: %+v", r)
			}
			if r := e.call("GET", "/otp/flow/list", "", nil); r.Status != "0" || r.Header.Get("Date") == "" {
				e.t.Fatalf("the main account: %+v", r)
			} else if d, _ := http.ParseTime(r.Header.Get("Date")); time.Until(d) > time.Minute {
				e.t.Fatalf("the other account's clock skew reached the main account: %s", r.Header.Get("Date"))
			}
			if n := total(decode[struct {
				FaultsInjected map[string]int `json:"faultsInjected"`
			}](e.t, e.mustControl(200, "GET", "/_sandbox/requests?key="+key, "")).FaultsInjected); n != 0 {
				e.t.Fatalf("%d faults counted for the main account", n)
			}
		},
		"GET /_sandbox/flows": func(e seeded) {
			if got := decode[[]Flow](e.t, e.mustControl(200, "GET", "/_sandbox/flows"+o, "")); len(got) != 1 || got[0].FlowID != e.other.flow.FlowID {
				e.t.Fatalf("the other account lists %+v", got)
			}
		},
		"POST /_sandbox/flows": func(e seeded) {
			e.mustControl(201, "POST", "/_sandbox/flows"+o, `{"name":"only-other","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
			e.mainUnchanged()
		},
		"PATCH /_sandbox/flows/{id}": func(e seeded) {
			if status, raw := e.control("PATCH", "/_sandbox/flows/"+id64(e.flow.FlowID)+o, `{"name":"taken-over"}`); status != 404 {
				e.t.Fatalf("PATCH of another account's flow: %d %s", status, raw)
			}
			e.mainUnchanged()
		},
		"DELETE /_sandbox/flows/{id}": func(e seeded) {
			if status, raw := e.control("DELETE", "/_sandbox/flows/"+id64(e.flow.FlowID)+o, ""); status != 404 {
				e.t.Fatalf("DELETE of another account's flow: %d %s", status, raw)
			}
			e.mainUnchanged()
		},
		"GET /_sandbox/apps": func(e seeded) {
			if got := decode[[]App](e.t, e.mustControl(200, "GET", "/_sandbox/apps"+o, "")); len(got) != 1 || got[0].AppID != e.other.app.AppID {
				e.t.Fatalf("the other account lists %+v", got)
			}
		},
		"POST /_sandbox/apps": func(e seeded) {
			e.mustControl(201, "POST", "/_sandbox/apps"+o, `{"name":"only-other"}`)
			e.mainUnchanged()
		},
		"PATCH /_sandbox/apps/{id}": func(e seeded) {
			if status, raw := e.control("PATCH", "/_sandbox/apps/"+e.app.AppID+o, `{"name":"taken-over"}`); status != 404 {
				e.t.Fatalf("PATCH of another account's app: %d %s", status, raw)
			}
			e.mainUnchanged()
		},
		"DELETE /_sandbox/apps/{id}": func(e seeded) {
			e.mustControl(204, "DELETE", "/_sandbox/templates/"+id64(e.template.TemplateID)+"?key="+key, "")
			if status, raw := e.control("DELETE", "/_sandbox/apps/"+e.app.AppID+o, ""); status != 404 {
				e.t.Fatalf("DELETE of another account's app: %d %s", status, raw)
			}
			if len(e.srv.Apps(key)) != 1 {
				e.t.Fatal("the app is gone")
			}
		},
		"GET /_sandbox/templates": func(e seeded) {
			if got := decode[[]Template](e.t, e.mustControl(200, "GET", "/_sandbox/templates"+o, "")); len(got) != 1 || got[0].TemplateID != e.other.template.TemplateID {
				e.t.Fatalf("the other account lists %+v", got)
			}
		},
		"POST /_sandbox/templates": func(e seeded) {
			if status, raw := e.control("POST", "/_sandbox/templates"+o, `{"appId":"`+e.app.AppID+`","name":"borrowed","text":"##code##"}`); status != 400 || !strings.Contains(string(raw), "does not exist") {
				e.t.Fatalf("a template on another account's app: %d %s", status, raw)
			}
			e.mainUnchanged()
		},
		"PATCH /_sandbox/templates/{id}": func(e seeded) {
			if status, raw := e.control("PATCH", "/_sandbox/templates/"+id64(e.template.TemplateID)+o, `{"name":"taken-over"}`); status != 404 {
				e.t.Fatalf("PATCH of another account's template: %d %s", status, raw)
			}
			e.mainUnchanged()
		},
		"DELETE /_sandbox/templates/{id}": func(e seeded) {
			if status, raw := e.control("DELETE", "/_sandbox/templates/"+id64(e.template.TemplateID)+o, ""); status != 404 {
				e.t.Fatalf("DELETE of another account's template: %d %s", status, raw)
			}
			e.mainUnchanged()
		},
	}
	maps.Copy(control, serviceIsolationControl)
	// The health check is about no account: what it says is the same
	// whichever key asks, and it tells nothing of either.
	control["GET "+HealthPath] = func(e seeded) {
		mine, other := e.mustControl(200, "GET", HealthPath+"?key="+key, ""), e.mustControl(200, "GET", HealthPath+o, "")
		if !bytes.Equal(mine, other) || bytes.Contains(mine, []byte(key)) || bytes.Contains(mine, []byte(otherKey)) {
			e.t.Fatalf("health: %s, %s", mine, other)
		}
	}
	// An export is the account's alone; an import cannot take ids another
	// account holds.
	control["GET /_sandbox/export"] = func(e seeded) {
		doc := string(e.mustControl(200, "GET", "/_sandbox/export"+o, ""))
		if !strings.Contains(doc, `"key":"`+otherKey+`"`) || strings.Contains(doc, `"key":"`+key+`"`) ||
			strings.Contains(doc, id64(e.flow.FlowID)) || strings.Contains(doc, e.app.AppID) {
			e.t.Fatalf("the other account's export shows the main one's: %s", doc)
		}
	}
	control["PUT /_sandbox/import"] = func(e seeded) {
		mine := e.mustControl(200, "GET", "/_sandbox/export?key="+key, "")
		if status, raw := e.control("PUT", "/_sandbox/import"+o, string(mine)); status != 409 ||
			!strings.Contains(string(raw), "flow "+id64(e.flow.FlowID)+" (account "+key+")") {
			e.t.Fatalf("importing the main account's ids into the other: %d %s", status, raw)
		}
		e.mainUnchanged()
		if f := e.srv.Flows(otherKey); len(f) != 1 || !jsonEqual(f[0], e.other.flow) {
			e.t.Fatalf("a refused import changed the other account: %+v", f)
		}
	}
	// So is the API's document.
	control["GET "+OpenAPIPath] = func(e seeded) {
		mine, other := e.mustControl(200, "GET", OpenAPIPath+"?key="+key, ""), e.mustControl(200, "GET", OpenAPIPath+o, "")
		if !bytes.Equal(mine, other) || bytes.Contains(mine, []byte(key)) || bytes.Contains(mine, []byte(otherKey)) {
			e.t.Fatalf("openapi: the documents differ, or name a key")
		}
	}
	maps.Copy(control, inboxIsolationControl)
	var routes []string
	for _, r := range ControlRoutes() {
		routes = append(routes, r.Method+" "+r.Path)
	}
	if got := slices.Sorted(maps.Keys(control)); !slices.Equal(got, slices.Sorted(slices.Values(routes))) {
		t.Errorf("control routes with an isolation case %q, mounted %q", got, routes)
	}
	for route, check := range control {
		t.Run(route, func(t *testing.T) { check(seed(t)) })
	}
}

// Every control route needs ?key= on a sandbox of several accounts, and
// refuses a key that names none: none falls back on some account.
func TestEveryControlRouteNeedsAKeyWithSeveralAccounts(t *testing.T) {
	e := seed(t)
	for _, r := range ControlRoutes() {
		if r.Auth == AuthNone { // about no account: TestHealthOpensNoAccount
			continue
		}
		path := strings.ReplaceAll(r.Path, "{id}", id64(e.flow.FlowID))
		for _, query := range []string{"", "?key=nobody"} {
			if query == "" && r.AllAccounts { // about every account: TestAccountsRoute
				continue
			}
			status, raw := e.control(r.Method, path+query, "{}")
			if status != 400 || !strings.Contains(string(raw), "key") {
				t.Errorf("%s %s%s: %d %s", r.Method, path, query, status, raw)
			}
		}
	}
	if status, raw := e.control("POST", "/_sandbox/reset", ""); !strings.Contains(string(raw), "several accounts: name one with ?key=") || status != 400 {
		t.Fatalf("reset without a key: %d %s", status, raw)
	}
	e.mainUnchanged()
	if len(e.srv.Flows(otherKey)) != 1 {
		t.Fatal("the other account lost its flow")
	}
}

func TestOpenAccounts(t *testing.T) {
	const shared = "shared-secret"
	e := newEnv(t, func(o *Options) {
		o.Accounts = map[string]string{key: secret}
		o.OpenAccounts, o.SharedSecret = true, shared
	})
	// A new key signed with the shared secret gets an empty account.
	if got := decode[[]Flow](t, e.call("GET", "/otp/flow/list", "", e.signed("job-1", shared)).Data); len(got) != 0 {
		t.Fatalf("a new account holds %+v", got)
	}
	first := decode[Flow](t, e.call("POST", "/otp/flow/add", validFlow, e.signed("job-1", shared)).Data)
	// Another job's key, the same name: its own account.
	if r := e.call("POST", "/otp/flow/add", validFlow, e.signed("job-2", shared)); r.Status != "0" {
		t.Fatalf("the second job: %+v", r)
	}
	wantRefused(t, e.call("GET", "/otp/flow/details/"+id64(first.FlowID), "", e.signed("job-2", shared)), "-24", "flowId")
	// A wrong secret opens nothing, and a configured account keeps its own.
	wantRefused(t, e.call("GET", "/otp/flow/list", "", e.signed("job-3", "wrong")), "-1", "unknown Api-Key")
	wantRefused(t, e.call("GET", "/otp/flow/list", "", e.signed(key, shared)), "-1", "signature")
	e.must("GET", "/otp/flow/list", "")
	if _, err := e.srv.Account("job-3"); err != nil {
		t.Fatal(err) // the Go method opens one, as a control request does
	}
	e.mu(func(s *Server) {
		if _, opened := s.accounts["job-4"]; opened {
			t.Fatal("an account was opened before it was asked for")
		}
	})
	// A control request naming a new key opens it, so that a job can set
	// its faults before its first request; without a key, it is refused.
	e.mustControl(200, "PUT", "/_sandbox/faults?key=job-4", `{"systemErrorRate":1}`)
	wantRefused(t, e.call("GET", "/otp/flow/list", "", e.signed("job-4", shared)), "-18", "")
	if r := e.call("GET", "/otp/flow/list", "", e.signed("job-1", shared)); r.Status != "0" {
		t.Fatalf("job-1 got job-4's fault: %+v", r)
	}
	if status, raw := e.control("GET", "/_sandbox/flows", ""); status != 400 || !strings.Contains(string(raw), "open accounts") {
		t.Fatalf("no key in open mode: %d %s", status, raw)
	}
	if status, _ := e.control("POST", "/_sandbox/reset", ""); status != 400 {
		t.Fatalf("a key-less reset in open mode: %d", status)
	}
	if got := decode[[]Flow](t, e.mustControl(200, "GET", "/_sandbox/flows?key=job-2", "")); len(got) != 1 || got[0].Name != "login-fallback" {
		t.Fatalf("job-2's flows %+v", got)
	}
	if _, err := New(Options{OpenAccounts: true}); err == nil {
		t.Fatal("open accounts without a shared secret")
	}
	if _, err := New(Options{OpenAccounts: true, SharedSecret: shared}); err != nil {
		t.Fatalf("open accounts and no configured one: %v", err)
	}
}

// The key-less Go methods act on every account; Account(key) on one.
func TestKeylessMethodsActOnEveryAccount(t *testing.T) {
	e := seed(t)
	if e.srv.Total() != 6 || e.srv.Counts()[RouteFlowAdd] != 2 {
		t.Fatalf("counts %v", e.srv.Counts())
	}
	other, err := e.srv.Account(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	if other.Key() != otherKey || other.Total() != 3 || other.Counts()[RouteAppAdd] != 1 || len(other.UserAgents()) != 1 {
		t.Fatalf("the other account's counts %v", other.Counts())
	}
	e.srv.SetFaults(Faults{SystemErrorRate: 1, Limit: 1})
	wantRefused(t, e.call("GET", "/otp/flow/list", "", nil), "-18", "")
	wantRefused(t, e.asOther("GET", "/otp/flow/list", ""), "-18", "")
	if e.srv.Injected()[FaultSystemError] != 2 || other.Injected()[FaultSystemError] != 1 || other.CurrentFaults().Limit != 1 {
		t.Fatalf("injected %v, the other's %v", e.srv.Injected(), other.Injected())
	}
	other.SetFaults(Faults{})
	if e.srv.CurrentFaults().Limit != 0 { // other-key sorts before sandbox-key
		t.Fatalf("CurrentFaults: %+v", e.srv.CurrentFaults())
	}
	other.ResetCounts()
	if other.Total() != 0 || e.srv.Total() == 0 {
		t.Fatal("ResetCounts of one account")
	}
	if err := other.Reset(); err != nil || len(e.srv.Flows(otherKey)) != 0 || len(e.srv.Flows(key)) != 1 {
		t.Fatalf("Reset of one account: %v", err)
	}
	if err := e.srv.Reset(); err != nil || len(e.srv.Flows(key)) != 0 || e.srv.Total() != 0 {
		t.Fatalf("Reset of everything: %v", err)
	}
	if f := e.newFlow("after-reset"); f.FlowID != firstFlowID {
		t.Fatalf("ids after a full reset start at %d", f.FlowID)
	}
	if _, err := e.srv.Account("nobody"); err == nil || !strings.Contains(err.Error(), `unknown API key "nobody"`) {
		t.Fatalf("Account of an unknown key: %v", err)
	}
	if _, err := e.srv.AddFlow("nobody", Flow{Name: "abcd", Flow: []Node{{WaitingTime: 30, Status: 1, Channel: "sms"}}}); err == nil || !strings.Contains(err.Error(), "unknown API key") {
		t.Fatalf("AddFlow for an unknown key: %v", err)
	}
}

// mu runs f with the map of accounts' lock held, to look inside.
func (e *env) mu(f func(*Server)) {
	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	f(e.srv)
}

// inAccountOf runs f under the lock of the account of key, to look inside.
func inAccountOf(t *testing.T, s *Server, key string, f func(a *account)) {
	t.Helper()
	a := s.lookup(key)
	if a == nil || !a.lock() {
		t.Fatalf("no account %s", key)
	}
	defer a.mu.Unlock()
	f(a)
}

// failAt makes the state file fail at these points from now on, as a full
// or broken disk would.
func (e *env) failAt(points ...string) {
	e.t.Helper()
	fail := func(point string) error {
		if slices.Contains(points, point) {
			return errors.New("injected failure at " + point)
		}
		return nil
	}
	e.srv.journal.failHook.Store(&fail)
}

// A state file written by an open-accounts sandbox, loaded by a sandbox of
// one configured account: its accounts are kept and said, reachable by
// name, and a control request without ?key= is refused, naming them, so
// that it cannot reach them by mistake. (Before, a keyless reset there
// erased them all.)
func TestKeylessControlIsRefusedWhenTheFileHoldsOtherAccounts(t *testing.T) {
	path := statePath(t)
	shared := "shared-secret"
	open := newEnv(t, withState(path), func(o *Options) { o.Accounts, o.OpenAccounts, o.SharedSecret = nil, true, shared })
	jobs := []string{"job-A", "job-B", "job-C", "job-D"}
	for _, job := range jobs {
		if r := open.call("POST", "/otp/flow/add", validFlow, open.signed(job, shared)); r.Status != "0" {
			t.Fatalf("%s: %+v", job, r)
		}
	}
	if err := open.srv.Close(); err != nil {
		t.Fatal(err)
	}
	disk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	one := newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{"a": "secret-a"} })
	if got := one.srv.ForeignAccounts(); !slices.Equal(got, jobs) {
		t.Fatalf("foreign accounts %v", got)
	}
	for _, r := range []struct{ method, path string }{{"POST", "/_sandbox/reset"}, {"GET", "/_sandbox/flows"}, {"DELETE", "/_sandbox/messages"}} {
		status, raw := one.control(r.method, r.path, "")
		if status != 400 || !strings.Contains(string(raw), "job-A, job-B, job-C, job-D") {
			t.Fatalf("keyless %s %s: %d %s", r.method, r.path, status, raw)
		}
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, disk) {
		t.Fatal("a refused keyless request changed the file")
	}
	if got := decode[[]Flow](t, one.mustControl(200, "GET", "/_sandbox/flows?key=job-C", "")); len(got) != 1 {
		t.Fatalf("job-C's flows by name: %+v", got)
	}
	// No request can open them again: they are never forgotten as idle.
	one.srv.opts.AccountIdle = time.Hour
	one.srv.sweep(time.Now().Add(48 * time.Hour))
	if len(one.srv.Flows("job-D")) != 1 {
		t.Fatal("an account only the state file knows was forgotten as idle")
	}
	wantRefused(t, one.call("GET", "/otp/flow/list", "", one.signed("job-A", shared)), "-1", "unknown Api-Key")
	// Named, the one account is reached as before.
	one.mustControl(204, "POST", "/_sandbox/reset?key=a", "")
	again := newEnv(t, withState(path), func(o *Options) { o.Accounts = map[string]string{"a": "secret-a"} })
	for _, job := range jobs {
		if len(again.srv.Flows(job)) != 1 {
			t.Fatalf("%s lost its flow", job)
		}
	}
}

// A control request signed with an account's own key and secret, as on
// the vendor API, reaches that account and no other; the control token
// still reaches every account.
func TestAnAccountsSignatureOpensItsControlRoutes(t *testing.T) {
	e := newHTTPSvc(t, func(o *Options) { o.Accounts = map[string]string{key: secret, otherKey: otherSecret} })
	id := e.send("4915100000001", "")
	signedControl := e.signedControl
	if status, raw := signedControl(key, secret, "GET", "/_sandbox/messages"); status != 200 || !strings.Contains(string(raw), id) {
		t.Fatalf("the account's own messages, signed: %d %s", status, raw)
	}
	if status, raw := signedControl(otherKey, otherSecret, "GET", "/_sandbox/messages"); status != 200 || strings.Contains(string(raw), id) {
		t.Fatalf("another account's signature saw the messages: %d %s", status, raw)
	}
	if status, raw := signedControl(otherKey, otherSecret, "GET", "/_sandbox/messages?key="+key); status != 403 || !strings.Contains(string(raw), `"error"`) {
		t.Fatalf("a signature naming another account: %d %s", status, raw)
	}
	if status, _ := signedControl(otherKey, otherSecret, "POST", "/_sandbox/reset?key="+key); status != 403 {
		t.Fatalf("a signed reset of another account: %d", status)
	}
	if status, _ := signedControl(key, "wrong-secret", "GET", "/_sandbox/messages"); status != 401 {
		t.Fatalf("a bad signature: %d", status)
	}
	if got := e.messages("key=" + key); len(got) != 1 {
		t.Fatalf("the control token no longer reaches the account: %+v", got)
	}
	// Without a control token, the signatures still open their accounts.
	noToken := newEnv(t, func(o *Options) { o.ControlToken = "" })
	if status, _ := noToken.control("GET", "/_sandbox/flows?key="+key, ""); status != 403 {
		t.Fatalf("a token on a sandbox without one: %d", status)
	}
	req, _ := http.NewRequest("GET", noToken.hs.URL+"/_sandbox/flows", nil)
	for h, v := range noToken.signed(key, secret) {
		req.Header.Set(h, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("a signed request on a sandbox without a token: %d", resp.StatusCode)
	}
}

// Open accounts are bounded: past MaxAccounts a new key is refused, saying
// why; an opened account no request named for AccountIdle is forgotten,
// with everything in it, saved; a configured one never is.
func TestOpenAccountsAreBounded(t *testing.T) {
	path := statePath(t)
	shared := "shared-secret"
	opts := func(o *Options) {
		o.OpenAccounts, o.SharedSecret, o.MaxAccounts, o.AccountIdle = true, shared, 3, time.Hour
	}
	e := newEnv(t, withState(path), opts) // two configured accounts, one more may open
	if r := e.call("POST", "/otp/flow/add", validFlow, e.signed("job-1", shared)); r.Status != "0" {
		t.Fatalf("job-1: %+v", r)
	}
	r := e.call("GET", "/otp/flow/list", "", e.signed("job-2", shared))
	wantRefused(t, r, "-23", "-max-accounts")
	if status, raw := e.control("PUT", "/_sandbox/faults?key=job-2", `{}`); status != 503 || !strings.Contains(string(raw), "-max-accounts") {
		t.Fatalf("a control request opening a fourth account: %d %s", status, raw)
	}
	e.newFlow("configured-flow")

	e.srv.sweep(time.Now().Add(59 * time.Minute))
	if len(e.srv.Flows("job-1")) != 1 {
		t.Fatal("an account was forgotten before it was idle for AccountIdle")
	}
	e.srv.sweep(time.Now().Add(61 * time.Minute))
	e.mu(func(s *Server) {
		if _, kept := s.accounts["job-1"]; kept {
			t.Fatal("an idle account was kept")
		}
	})
	if len(e.srv.Flows(key)) != 1 {
		t.Fatal("a configured account was forgotten")
	}
	// Its place is free again, and what it held is gone, after a restart too.
	if r := e.call("GET", "/otp/flow/list", "", e.signed("job-2", shared)); r.Status != "0" {
		t.Fatalf("job-2 after job-1 was forgotten: %+v", r)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := newEnv(t, withState(path), opts)
	if len(again.srv.Flows("job-1")) != 0 || len(again.srv.Flows(key)) != 1 {
		t.Fatalf("after a restart: job-1 %+v, %s %+v", again.srv.Flows("job-1"), key, again.srv.Flows(key))
	}
}

// The retention has a sandbox-wide cap: each account keeps at most its
// share of RetentionTotal.
func TestRetentionTotalIsShared(t *testing.T) {
	e := newHTTPSvc(t, func(o *Options) {
		o.Accounts = map[string]string{key: secret, otherKey: otherSecret}
		o.Retention, o.RetentionTotal = 100, 10 // 5 each
	})
	for i := range 8 {
		e.send(fmt.Sprintf("49151%08d", i), "")
	}
	if n := len(e.messages("key=" + key)); n != 5 {
		t.Fatalf("%d messages kept, want 5 (10 for 2 accounts)", n)
	}
}
