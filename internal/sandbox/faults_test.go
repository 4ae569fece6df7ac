package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	t.Run("system error on every kind, nothing stored", func(t *testing.T) {
		e := newEnv(t)
		a := e.newApp("before-faults")
		e.srv.SetFaults(Faults{SystemErrorRate: 1, Limit: 3})
		wantRefused(t, e.call("POST", "/otp/flow/add", validFlow, nil), "-18", "")
		wantRefused(t, e.call("POST", "/otp/app/add", `{"name":"faulted-app"}`, nil), "-18", "")
		wantRefused(t, e.call("POST", "/otp/template/add", `{"appId":"`+a.AppID+`","name":"faulted","text":"##code##"}`, nil), "-18", "")
		if len(e.srv.Flows(key))+len(e.srv.Templates(key)) != 0 || len(e.srv.Apps(key)) != 1 {
			t.Fatal("a -18 answer stored something")
		}
		e.must("GET", "/otp/flow/list", "") // the limit is spent
		if n := e.srv.Injected()[FaultSystemError]; n != 3 {
			t.Fatalf("%d injected", n)
		}
	})
	t.Run("bad gateway", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{BadGatewayRate: 1})
		for _, path := range []string{"/otp/flow/list", "/otp/app/details/x", "/otp/template/list"} {
			r := e.call("GET", path, "", nil)
			if r.HTTP != http.StatusBadGateway || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: HTTP %d %s", path, r.HTTP, r.Header.Get("Content-Type"))
			}
		}
	})
	t.Run("rate is a fraction", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{SystemErrorRate: 0.5, Seed: 7})
		failed := 0
		for range 200 {
			if e.call("GET", "/otp/template/list", "", nil).Status == "-18" {
				failed++
			}
		}
		if failed < 60 || failed > 140 {
			t.Fatalf("%d of 200 failed at rate 0.5", failed)
		}
	})
	t.Run("dropped creates, every kind", func(t *testing.T) {
		e := newEnv(t)
		a := e.newApp("owner-app")
		e.srv.SetFaults(Faults{DropCreateRate: 1})
		e.dropped("POST", "/otp/flow/add", validFlow)
		e.dropped("POST", "/otp/app/add", `{"name":"dropped-app"}`)
		e.dropped("POST", "/otp/template/add", `{"appId":"`+a.AppID+`","name":"dropped-tpl","text":"##code##"}`)
		if len(e.srv.Flows(key)) != 1 || len(e.srv.Apps(key)) != 2 || len(e.srv.Templates(key)) != 1 {
			t.Fatal("a dropped create did not store its object")
		}
		// Failures are answered: only a stored object's answer is lost.
		wantRefused(t, e.call("POST", "/otp/app/add", `{"name":"dropped-app"}`, nil), "-20", "name")
		if n := e.srv.Injected()[FaultDropCreate]; n != 3 {
			t.Fatalf("%d injected", n)
		}
		// Updates and reads are not creates.
		e.must("GET", "/otp/app/details/"+a.AppID, "")
		e.must("PUT", "/otp/app/update/"+a.AppID, `{"appId":"`+a.AppID+`","name":"owner-app","codeExpiry":9}`)
	})
	t.Run("dropped updates, every kind", func(t *testing.T) {
		e := newEnv(t)
		f := e.newFlow("flow-before")
		a := e.newApp("app-before")
		tp := e.newTemplate(a.AppID, "tpl-before")
		e.srv.SetFaults(Faults{DropUpdateRate: 1, Limit: 3})
		e.dropped("PUT", "/otp/flow/update/"+id64(f.FlowID), `{"name":"flow-after","flow":[{"waitingTime":30,"status":1,"channel":"sms"}]}`)
		e.dropped("PUT", "/otp/app/update/"+a.AppID, `{"appId":"`+a.AppID+`","name":"app-after"}`)
		e.dropped("PUT", "/otp/template/update/"+id64(tp.TemplateID), `{"name":"tpl-after","text":"##code##"}`)
		if e.srv.Flows(key)[0].Name != "flow-after" || e.srv.Apps(key)[0].Name != "app-after" || e.srv.Templates(key)[0].Name != "tpl-after" {
			t.Fatal("a dropped update was not applied")
		}
		if n := e.srv.Injected()[FaultDropUpdate]; n != 3 {
			t.Fatalf("%d injected: %v", n, e.srv.Injected())
		}
		// The limit is spent: the next update is answered.
		e.must("PUT", "/otp/app/update/"+a.AppID, `{"appId":"`+a.AppID+`","name":"app-again"}`)
	})
	t.Run("a refused update is answered", func(t *testing.T) {
		e := newEnv(t)
		a := e.newApp("app-before")
		e.srv.SetFaults(Faults{DropUpdateRate: 1, DropCreateRate: 1})
		wantRefused(t, e.call("PUT", "/otp/app/update/"+a.AppID, `{"appId":"other","name":"app-after"}`, nil), "-22", "appId")
		wantRefused(t, e.call("PUT", "/otp/app/update/nope", `{"appId":"nope","name":"app-after"}`, nil), "-24", "appId")
		if len(e.srv.Injected()) != 0 {
			t.Fatalf("injected %v", e.srv.Injected())
		}
	})
	// The brief's example: lose the flow create answer, and answer 502 to
	// every flow list, while every other route works.
	t.Run("routes confine -18 and 502", func(t *testing.T) {
		e := newEnv(t)
		a := e.newApp("routed-app")
		e.srv.SetFaults(Faults{DropCreateRate: 1, BadGatewayRate: 1, Routes: []string{RouteFlowList}})
		e.dropped("POST", "/otp/flow/add", validFlow)
		if r := e.call("GET", "/otp/flow/list", "", nil); r.HTTP != http.StatusBadGateway {
			t.Fatalf("flow list: HTTP %d", r.HTTP)
		}
		f := e.srv.Flows(key)[0]
		e.must("GET", "/otp/flow/details/"+id64(f.FlowID), "")
		e.must("GET", "/otp/template/list", "")
		e.must("GET", "/otp/app/details/"+a.AppID, "")
		// The drop faults ignore the routes: they have their own.
		e.dropped("POST", "/otp/template/add", `{"appId":"`+a.AppID+`","name":"routed-tpl","text":"##code##"}`)
		inj := e.srv.Injected()
		if inj[FaultDropCreate] != 2 || inj[FaultBadGateway] != 1 {
			t.Fatalf("injected %v", inj)
		}

		e.srv.SetFaults(Faults{SystemErrorRate: 1, Routes: []string{RouteAppAdd, RouteTemplateList}})
		wantRefused(t, e.call("POST", "/otp/app/add", `{"name":"routed-two"}`, nil), "-18", "")
		wantRefused(t, e.call("GET", "/otp/template/list", "", nil), "-18", "")
		e.must("GET", "/otp/flow/list", "")
		e.must("GET", "/otp/app/details/"+a.AppID, "")
	})
	t.Run("limits are per fault kind", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{SystemErrorRate: 1, DropCreateRate: 1, Limit: 1})
		wantRefused(t, e.call("POST", "/otp/app/add", `{"name":"first-try"}`, nil), "-18", "")
		e.dropped("POST", "/otp/app/add", `{"name":"first-try"}`)
		e.must("POST", "/otp/app/add", `{"name":"second-one"}`)
		inj := e.srv.Injected()
		if inj[FaultSystemError] != 1 || inj[FaultDropCreate] != 1 {
			t.Fatalf("injected %v", inj)
		}
	})
	t.Run("latency", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{LatencyMS: 150})
		start := time.Now()
		e.call("GET", "/otp/app/details/x", "", nil)
		if time.Since(start) < 150*time.Millisecond {
			t.Fatal("no latency added")
		}
	})
	t.Run("clock skew", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{ClockSkewSeconds: 3600})
		r := e.call("GET", "/otp/flow/list", "", nil)
		if r.Status != "-16" {
			t.Fatalf("got %+v", r)
		}
		date, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil || time.Until(date) < 3500*time.Second {
			t.Fatalf("Date header %q does not show the skew", r.Header.Get("Date"))
		}
	})
	t.Run("control surface", func(t *testing.T) {
		e := newEnv(t)
		for _, bad := range []string{
			`{"systemErrorRate":2}`,
			`{"dropUpdateRate":-0.1}`,
			`{"limit":-1}`,
			`{"routes":["GET /flow/lists"]}`,
			`{"routes":["GET /app/list"]}`,
			`{"unknownFault":1}`,
			`{"systemErrorRate":"1"}`,
		} {
			if status, raw := e.control("PUT", "/_sandbox/faults?key="+key, bad); status != 400 {
				t.Fatalf("%s accepted: %d %s", bad, status, raw)
			}
		}
		e.mustControl(200, "PUT", "/_sandbox/faults?key="+key, `{"systemErrorRate":1,"dropUpdateRate":1,"limit":1,"routes":["GET /template/list"]}`)
		got := decode[Faults](t, e.mustControl(200, "GET", "/_sandbox/faults?key="+key, ""))
		if got.DropUpdateRate != 1 || len(got.Routes) != 1 || got.Routes[0] != RouteTemplateList {
			t.Fatalf("faults %+v", got)
		}
		e.must("GET", "/otp/flow/list", "")
		wantRefused(t, e.call("GET", "/otp/template/list", "", nil), "-18", "")
		var requests struct {
			FaultsInjected map[string]int `json:"faultsInjected"`
		}
		if err := json.Unmarshal(e.mustControl(200, "GET", "/_sandbox/requests?key="+key, ""), &requests); err != nil || requests.FaultsInjected[FaultSystemError] != 1 {
			t.Fatalf("injected %+v %v", requests, err)
		}
	})
	t.Run("the configuration is a copy", func(t *testing.T) {
		e := newEnv(t)
		routes := []string{RouteFlowList}
		e.srv.SetFaults(Faults{BadGatewayRate: 1, Routes: routes})
		routes[0] = RouteAppAdd
		e.srv.CurrentFaults().Routes[0] = RouteAppAdd
		if r := e.call("GET", "/otp/flow/list", "", nil); r.HTTP != http.StatusBadGateway {
			t.Fatal("the caller's slice changed the faults")
		}
	})
}

// Seeded runs are repeatable: the same seed gives the same faults and the
// same app ids, and creating apps does not move the faults.
func TestSeedMakesRunsRepeatable(t *testing.T) {
	run := func(withApps bool) (pattern string, ids []string) {
		e := newEnv(t)
		e.srv.SetFaults(Faults{SystemErrorRate: 0.5, Seed: 99, Routes: []string{RouteFlowList}})
		for i := range 20 {
			if withApps {
				ids = append(ids, e.newApp("app-"+id64(int64(1000+i))).AppID)
			}
			pattern += e.call("GET", "/otp/flow/list", "", nil).Status + " "
		}
		return pattern, ids
	}
	p1, ids1 := run(true)
	p2, ids2 := run(true)
	p3, _ := run(false)
	if p1 != p2 || strings.Join(ids1, ",") != strings.Join(ids2, ",") {
		t.Fatalf("not repeatable:\n%s %v\n%s %v", p1, ids1, p2, ids2)
	}
	if p1 != p3 {
		t.Fatalf("creating apps moved the faults:\n%s\n%s", p1, p3)
	}
}
