package otp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// script answers the requests in order and fails the test on any request
// beyond it.
func script(t *testing.T, answers ...func(w http.ResponseWriter)) func(n int, w http.ResponseWriter, r *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		if n > len(answers) {
			t.Errorf("unexpected request %d: %s %s", n, r.Method, r.URL.Path)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		answers[n-1](w)
	}
}

func answer(body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeJSON(w, body) }
}

func paths(api *fakeAPI) string {
	var out []string
	for _, r := range api.requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return strings.Join(out, ", ")
}

func TestRetryWaitRule(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", func(cfg *Config) {
		cfg.RetryWaitMin = 250 * time.Millisecond
		cfg.RetryWaitMax = 8 * time.Second
	})
	lowest := func(int64) int64 { return 0 }
	highest := func(n int64) int64 { return n - 1 }
	for attempt := range 40 {
		ceiling := min(8*time.Second, 250*time.Millisecond<<min(attempt, 20))
		lo, ok1 := c.retryWait(attempt, 0, lowest)
		hi, ok2 := c.retryWait(attempt, 0, highest)
		if !ok1 || !ok2 || lo != ceiling/2 || hi != ceiling || hi > 8*time.Second {
			t.Fatalf("attempt %d: waits %v..%v, want %v..%v and never above the 8s cap", attempt, lo, hi, ceiling/2, ceiling)
		}
	}
	// A Retry-After is a floor, not cut to the cap.
	if w, ok := c.retryWait(0, 30*time.Second, highest); !ok || w != 30*time.Second {
		t.Fatalf("Retry-After 30s gave %v, %v", w, ok)
	}
	if w, ok := c.retryWait(5, 100*time.Millisecond, lowest); !ok || w != 4*time.Second {
		t.Fatalf("a short Retry-After must not shorten the backoff: %v", w)
	}
	// Beyond MaxRetryAfter the client gives up instead of waiting.
	if _, ok := c.retryWait(0, MaxRetryAfter+time.Second, lowest); ok {
		t.Fatal("a Retry-After above MaxRetryAfter must end the retries")
	}
}

func TestRetryAfterBeyondTheLimitGivesUpAtOnce(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := newTestClient(t, api.srv.URL)
	_, err := c.Flows().List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "asked to wait 1h0m0s before retrying") || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("got %v", err)
	}
	if n := len(api.requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

func TestCreateAnswerWithOnlyTheID(t *testing.T) {
	api := newFakeAPI(t, script(t, answer(okData(`{"flowId":7}`))))
	f, err := newTestClient(t, api.srv.URL).Flows().Create(context.Background(), testInput)
	if err != nil || f.ID != 7 || !f.Matches(testInput) {
		t.Fatalf("got %+v, %v; want the input with id 7", f, err)
	}
}

func TestUndecodableCreateAnswerIsSettledFromTheList(t *testing.T) {
	t.Run("found", func(t *testing.T) {
		api := newFakeAPI(t, script(t, answer(okData(`{"flowId":"seven"}`)), answer(okData(`[`+flowJSON+`]`))))
		f, err := newTestClient(t, api.srv.URL).Flows().Create(context.Background(), testInput)
		if err != nil || f.ID != 10001 {
			t.Fatalf("got %+v, %v", f, err)
		}
		if got := paths(api); got != "POST /flow/add, GET /flow/list" {
			t.Fatalf("requests %s", got)
		}
	})
	t.Run("not found", func(t *testing.T) {
		api := newFakeAPI(t, script(t, answer(okData(`"created"`)), answer(okData(`[]`))))
		_, err := newTestClient(t, api.srv.URL).Flows().Create(context.Background(), testInput)
		var unconfirmed *UnconfirmedCreateError
		if !errors.As(err, &unconfirmed) || !unconfirmed.Exists || !unconfirmed.Listable ||
			!strings.Contains(err.Error(), "the API reported success") {
			t.Fatalf("got %v, want an UnconfirmedCreateError saying the object exists", err)
		}
	})
}

func TestLostUpdateThenNameTaken(t *testing.T) {
	renamed := Flow{Name: "renamed-flow", Nodes: testInput.Nodes}
	stored := `{"flowId":10001,"name":"renamed-flow","flow":[{"waitingTime":60,"status":1,"channel":"sms","channelCut":0}]}`
	t.Run("own name: the lost attempt applied it", func(t *testing.T) {
		api := newFakeAPI(t, script(t, abort, answer(status(CodeDataExisting, "data existing")), answer(okData(stored))))
		f, err := newTestClient(t, api.srv.URL).Flows().Update(context.Background(), "10001", renamed)
		if err != nil || f.ID != 10001 || f.Name != "renamed-flow" {
			t.Fatalf("got %+v, %v", f, err)
		}
		if got := paths(api); got != "PUT /flow/update/10001, PUT /flow/update/10001, GET /flow/details/10001" {
			t.Fatalf("requests %s", got)
		}
	})
	t.Run("another holder", func(t *testing.T) {
		holder := `[{"flowId":20002,"name":"renamed-flow","flow":[]}]`
		api := newFakeAPI(t, script(t, abort, answer(status(CodeDataExisting, "data existing")), answer(okData(flowJSON)), answer(okData(holder))))
		_, err := newTestClient(t, api.srv.URL).Flows().Update(context.Background(), "10001", renamed)
		var nt *NameTakenError
		if !errors.As(err, &nt) || nt.HolderID != "20002" || !IsNameTaken(err) {
			t.Fatalf("got %v, want the holder 20002", err)
		}
	})
	t.Run("first attempt: a plain conflict, no re-read", func(t *testing.T) {
		api := newFakeAPI(t, script(t, answer(status(CodeDataExisting, "data existing")), answer(okData(`[]`))))
		_, err := newTestClient(t, api.srv.URL).Flows().Update(context.Background(), "10001", renamed)
		if !IsNameTaken(err) {
			t.Fatalf("got %v", err)
		}
		if got := paths(api); got != "PUT /flow/update/10001, GET /flow/list" {
			t.Fatalf("requests %s", got)
		}
	})
}

var testApp = App{Name: "shop-login", CodeExpiry: 5, PhoneLimit: SendLimit{Enabled: true, Unit: UnitHour, Period: 1, Limit: 10_000_000_000}}

const appJSON = `{"appId":"mRELxtHc","name":"shop-login","codeExpiry":5,"createTime":"2026-01-01T00:00:00+08:00",` +
	`"periodTotalSendLimit":{"enabled":false,"unit":null,"period":null,"limit":null},` +
	`"periodPhoneSendLimit":{"enabled":true,"unit":2,"period":1,"limit":10000000000}}`

func TestAppBodiesSpellEveryField(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, okData(appJSON)) })
	c := newTestClient(t, api.srv.URL)
	ctx := context.Background()
	if _, err := c.Apps().Create(ctx, testApp); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apps().Update(ctx, "mRELxtHc", testApp); err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	want := []string{
		`{"name":"shop-login","codeExpiry":5,"periodTotalSendLimit":{"enabled":false,"unit":null,"period":null,"limit":null},"periodPhoneSendLimit":{"enabled":true,"unit":2,"period":1,"limit":10000000000}}`,
		`{"appId":"mRELxtHc","name":"shop-login","codeExpiry":5,"periodTotalSendLimit":{"enabled":false,"unit":null,"period":null,"limit":null},"periodPhoneSendLimit":{"enabled":true,"unit":2,"period":1,"limit":10000000000}}`,
	}
	for i, w := range want {
		if reqs[i].Body != w {
			t.Errorf("body %d:\n got %s\nwant %s", i, reqs[i].Body, w)
		}
	}
	if reqs[0].Path != "/app/add" || reqs[1].Method != http.MethodPut || reqs[1].Path != "/app/update/mRELxtHc" {
		t.Fatalf("requests %s", paths(api))
	}
}

func TestTemplateBodiesCarryTheAppOnlyOnCreate(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, okData(`{"templateId":20001,"appId":"mRELxtHc","name":"login-sms"}`))
	})
	c := newTestClient(t, api.srv.URL)
	in := Template{AppID: "mRELxtHc", Name: "login-sms", Text: "##code##", CodeType: 1, CodeLength: 6, SpeechRate: 0, Language: "EN", MaxDuration: 59, RepeatCount: 1}
	if _, err := c.Templates().Create(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Templates().Update(context.Background(), "20001", in); err != nil {
		t.Fatal(err)
	}
	var create, update map[string]any
	reqs := api.requests()
	_ = json.Unmarshal([]byte(reqs[0].Body), &create)
	_ = json.Unmarshal([]byte(reqs[1].Body), &update)
	if create["appId"] != "mRELxtHc" || create["repeatCnt"] != 1.0 || create["speechRate"] != 0.0 {
		t.Fatalf("create body %s", reqs[0].Body)
	}
	if _, has := update["appId"]; has {
		t.Fatalf("update body carries appId: %s", reqs[1].Body)
	}
	if _, has := create["senderId"]; has {
		t.Fatalf("an unset sender id must be left out: %s", reqs[0].Body)
	}
}

func TestLostAppCreate(t *testing.T) {
	t.Run("the retry answers -20: created, id unknown", func(t *testing.T) {
		api := newFakeAPI(t, script(t, abort, answer(status(CodeDataExisting, "data existing"))))
		_, err := newTestClient(t, api.srv.URL).Apps().Create(context.Background(), testApp)
		var unconfirmed *UnconfirmedCreateError
		if !errors.As(err, &unconfirmed) || !unconfirmed.Exists || unconfirmed.Listable || unconfirmed.Kind != "app" {
			t.Fatalf("got %v", err)
		}
		if !strings.Contains(err.Error(), "most likely created by an attempt whose answer was lost") {
			t.Fatalf("the error does not say what happened: %v", err)
		}
		if got := paths(api); got != "POST /app/add, POST /app/add" {
			t.Fatalf("requests %s: an app cannot be listed", got)
		}
	})
	t.Run("the retry succeeds: the lost attempt stored nothing", func(t *testing.T) {
		api := newFakeAPI(t, script(t, abort, answer(okData(appJSON))))
		a, err := newTestClient(t, api.srv.URL).Apps().Create(context.Background(), testApp)
		if err != nil || a.ID != "mRELxtHc" {
			t.Fatalf("got %+v, %v", a, err)
		}
	})
	t.Run("-20 at once: a real conflict without a holder", func(t *testing.T) {
		api := newFakeAPI(t, script(t, answer(status(CodeDataExisting, "data existing"))))
		_, err := newTestClient(t, api.srv.URL).Apps().Create(context.Background(), testApp)
		var nt *NameTakenError
		if !errors.As(err, &nt) || nt.HolderID != "" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an answer without createTime is read back once", func(t *testing.T) {
		api := newFakeAPI(t, script(t, answer(okData(`{"appId":"mRELxtHc"}`)), answer(okData(appJSON))))
		a, err := newTestClient(t, api.srv.URL).Apps().Create(context.Background(), testApp)
		if err != nil || a.CreateTime == "" || a.ID != "mRELxtHc" {
			t.Fatalf("got %+v, %v", a, err)
		}
		if got := paths(api); got != "POST /app/add, GET /app/details/mRELxtHc" {
			t.Fatalf("requests %s", got)
		}
	})
}

func TestGetAppWithoutAList(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		notFound   bool
	}{
		{"-24", status(CodeNotFound, "data unexisting"), true},
		{"empty success", okData(`null`), true},
		{"-22 is an error, not an absence", status(CodeParameter, "parameter exception"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, script(t, answer(tc.body)))
			_, err := newTestClient(t, api.srv.URL).Apps().Get(context.Background(), "mRELxtHc")
			if err == nil || IsNotFound(err) != tc.notFound {
				t.Fatalf("IsNotFound(%v) = %v, want %v", err, IsNotFound(err), tc.notFound)
			}
		})
	}
	if _, err := newTestClient(t, "http://127.0.0.1:1").Apps().List(context.Background()); !errors.Is(err, ErrNoList) {
		t.Fatalf("List of apps: %v", err)
	}
}

func TestGetConfirmedByAGivenList(t *testing.T) {
	api := newFakeAPI(t, script(t, answer(status(CodeParameter, "parameter exception"))))
	lists := 0
	list := func(context.Context) ([]Template, error) { lists++; return []Template{{ID: 1, Name: "other"}}, nil }
	_, err := newTestClient(t, api.srv.URL).Templates().GetConfirmedBy(context.Background(), "20001", list)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !nf.Listed || lists != 1 || len(api.requests()) != 1 {
		t.Fatalf("got %v after %d lists and %d requests", err, lists, len(api.requests()))
	}
}

func TestCreateThatKeepsFailingWithSystemExceptionIsLookedUp(t *testing.T) {
	fail := answer(status(CodeSystemException, "port program unusual"))
	t.Run("stored by one of the attempts: adopted", func(t *testing.T) {
		api := newFakeAPI(t, script(t, fail, fail, answer(okData(`[`+flowJSON+`]`))))
		f, err := newTestClient(t, api.srv.URL, func(cfg *Config) { cfg.MaxRetries = 1 }).Flows().Create(context.Background(), testInput)
		if err != nil || f.ID != 10001 {
			t.Fatalf("got %+v, %v", f, err)
		}
		if got := paths(api); got != "POST /flow/add, POST /flow/add, GET /flow/list" {
			t.Fatalf("requests %s", got)
		}
	})
	t.Run("not stored: the plain error, not a maybe", func(t *testing.T) {
		api := newFakeAPI(t, script(t, fail, fail, answer(okData(`[]`))))
		_, err := newTestClient(t, api.srv.URL, func(cfg *Config) { cfg.MaxRetries = 1 }).Flows().Create(context.Background(), testInput)
		var unconfirmed *UnconfirmedCreateError
		if err == nil || errors.As(err, &unconfirmed) || !strings.Contains(err.Error(), "-18") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestOversizedAnswerIsReportedNotRetried(t *testing.T) {
	api := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, okData(`["`+strings.Repeat("x", maxBody)+`"]`))
	})
	_, err := newTestClient(t, api.srv.URL).Flows().List(context.Background())
	var decodeErr *DecodeError
	if !errors.As(err, &decodeErr) || !strings.Contains(err.Error(), "larger than 8 MiB") {
		t.Fatalf("got %v", err)
	}
	if n := len(api.requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

func TestLostRenameHoldingItsNewNameWasApplied(t *testing.T) {
	renamed := Flow{Name: "renamed-flow", Nodes: testInput.Nodes}
	// Someone changed a step meanwhile: the rename was still applied.
	edited := `{"flowId":10001,"name":"renamed-flow","flow":[{"waitingTime":33,"status":1,"channel":"sms","channelCut":0}]}`
	api := newFakeAPI(t, script(t, abort, answer(status(CodeDataExisting, "data existing")), answer(okData(edited))))
	f, err := newTestClient(t, api.srv.URL).Flows().Update(context.Background(), "10001", renamed)
	if err != nil || f.Name != "renamed-flow" {
		t.Fatalf("got %+v, %v", f, err)
	}
}
