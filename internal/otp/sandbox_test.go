package otp_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// These tests drive the sandbox with the client: two independent readings of
// the vendor's documentation have to agree.

func startSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{Accounts: map[string]string{"key": "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL + "/otp"
}

func client(t *testing.T, base, secret string) *otp.Client {
	t.Helper()
	c, err := otp.New(otp.Config{
		BaseURL: base, APIKey: "key", APISecret: otp.Secret(secret),
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var in = otp.Flow{Name: "login-fallback", Nodes: []otp.Node{
	{WaitingTime: 60, Status: otp.TriggerSendFailure, Channel: otp.ChannelSMS},
	{WaitingTime: 90, Status: otp.TriggerNotChecked, Channel: otp.ChannelCall, ChannelCut: otp.Int(otp.CutNoSwitch)},
}}

func TestClientAgainstSandbox(t *testing.T) {
	srv, base := startSandbox(t)
	c := client(t, base, "secret")
	ctx := context.Background()

	created, err := c.Flows().Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !created.Matches(in) || created.ID <= 1 || *created.Nodes[0].ChannelCut != otp.CutSwitch {
		t.Fatalf("created %+v", created)
	}
	got, err := c.Flows().Get(ctx, fmt.Sprint(created.ID))
	if err != nil || !got.Matches(in) {
		t.Fatalf("get %+v %v", got, err)
	}
	renamed := otp.Flow{Name: "登录回退流程", Nodes: in.Nodes[:1]}
	updated, err := c.Flows().Update(ctx, fmt.Sprint(created.ID), renamed)
	if err != nil || updated.ID != created.ID || !updated.Matches(renamed) {
		t.Fatalf("update %+v %v", updated, err)
	}
	list, err := c.Flows().List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "登录回退流程" {
		t.Fatalf("list %+v %v", list, err)
	}
	if counts := srv.Counts(); counts[sandbox.RouteFlowAdd] != 1 || counts[sandbox.RouteFlowUpdate] != 1 || counts[sandbox.RouteFlowDetails] != 1 || counts[sandbox.RouteFlowList] != 1 {
		t.Fatalf("extra requests: %v", counts)
	}

	// Error codes, as the client sees them.
	if _, err := c.Flows().Get(ctx, fmt.Sprint(424242)); !otp.IsNotFound(err) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := c.Flows().Update(ctx, fmt.Sprint(424242), renamed); !otp.IsNotFound(err) {
		t.Fatalf("update unknown id: %v", err)
	}
	if _, err := c.Flows().Create(ctx, renamed); !otp.IsNameTaken(err) || !strings.Contains(err.Error(), "flow 10001") {
		t.Fatalf("name taken: %v", err)
	}
	if _, err := c.Flows().Create(ctx, otp.Flow{Name: "abc", Nodes: in.Nodes}); err == nil || !strings.Contains(err.Error(), "-22") || !strings.Contains(err.Error(), "name must be 4 to 32") {
		t.Fatalf("invalid name: %v", err)
	}
	if _, err := client(t, base, "wrong").Flows().List(ctx); !otp.IsAuth(err) {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestClientAgainstSandboxFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("system errors and bad gateways are retried", func(t *testing.T) {
		srv, base := startSandbox(t)
		srv.SetFaults(sandbox.Faults{SystemErrorRate: 1, Limit: 2})
		if _, err := client(t, base, "secret").Flows().List(ctx); err != nil {
			t.Fatal(err)
		}
		srv.SetFaults(sandbox.Faults{BadGatewayRate: 1, Limit: 2})
		if _, err := client(t, base, "secret").Flows().Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Flows("key")); n != 1 {
			t.Fatalf("%d flows, want 1", n)
		}
	})
	t.Run("a dropped create answer does not duplicate the flow", func(t *testing.T) {
		srv, base := startSandbox(t)
		srv.SetFaults(sandbox.Faults{DropCreateRate: 1, Limit: 1})
		f, err := client(t, base, "secret").Flows().Create(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		flows := srv.Flows("key")
		if len(flows) != 1 || flows[0].FlowID != f.ID {
			t.Fatalf("flows %+v, created %+v", flows, f)
		}
		if c := srv.Counts(); c[sandbox.RouteFlowAdd] != 1 || c[sandbox.RouteFlowList] != 1 {
			t.Fatalf("requests %v: want one create and one list", c)
		}
	})
	t.Run("a dropped update answer is sent again, and applied once", func(t *testing.T) {
		srv, base := startSandbox(t)
		c := client(t, base, "secret")
		created, err := c.Flows().Create(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		srv.SetFaults(sandbox.Faults{DropUpdateRate: 1, Limit: 1})
		renamed := otp.Flow{Name: "renamed-flow", Nodes: in.Nodes[:1]}
		got, err := c.Flows().Update(ctx, fmt.Sprint(created.ID), renamed)
		if err != nil || !got.Matches(renamed) || got.ID != created.ID {
			t.Fatalf("update %+v %v", got, err)
		}
		if flows := srv.Flows("key"); len(flows) != 1 || flows[0].Name != "renamed-flow" {
			t.Fatalf("flows %+v", flows)
		}
		if n := srv.Injected()[sandbox.FaultDropUpdate]; n != 1 {
			t.Fatalf("%d dropped updates: the test proves nothing", n)
		}
	})
	t.Run("a skewed server clock is learnt", func(t *testing.T) {
		srv, base := startSandbox(t)
		srv.SetFaults(sandbox.Faults{ClockSkewSeconds: -7200})
		c := client(t, base, "secret")
		if _, err := c.Flows().List(ctx); err != nil {
			t.Fatal(err)
		}
		if off := c.ClockOffset(); off > -7190*time.Second || off < -7210*time.Second {
			t.Fatalf("offset %v", off)
		}
	})
	t.Run("flaky sandbox converges without duplicates", func(t *testing.T) {
		srv, base := startSandbox(t)
		srv.SetFaults(sandbox.Faults{SystemErrorRate: 0.2, BadGatewayRate: 0.2, DropCreateRate: 0.3, Seed: 42})
		c, err := otp.New(otp.Config{BaseURL: base, APIKey: "key", APISecret: "secret", MaxRetries: 10,
			RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"flow-one", "flow-two", "flow-three", "flow-four", "flow-five"} {
			if _, err := c.Flows().Create(ctx, otp.Flow{Name: name, Nodes: in.Nodes}); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if n := len(srv.Flows("key")); n != 5 {
			t.Fatalf("%d flows, want exactly 5", n)
		}
		inj := srv.Injected()
		if inj[sandbox.FaultDropCreate] == 0 || inj[sandbox.FaultSystemError]+inj[sandbox.FaultBadGateway] == 0 {
			t.Fatalf("faults injected %v: the seed no longer exercises every kind", inj)
		}
	})
}

func TestAppsAndTemplatesAgainstSandbox(t *testing.T) {
	srv, base := startSandbox(t)
	c := client(t, base, "secret")
	ctx := context.Background()

	in := otp.App{Name: "shop-login", CodeExpiry: 7, TotalLimit: otp.SendLimit{Enabled: true, Unit: otp.UnitDay, Period: 1, Limit: 10_000_000_000}}
	app, err := c.Apps().Create(ctx, in)
	if err != nil || app.ID == "" || app.CreateTime == "" || !app.Matches(in) {
		t.Fatalf("create app %+v %v", app, err)
	}
	in.TotalLimit = otp.SendLimit{} // disabled in place
	in.PhoneLimit = otp.SendLimit{Enabled: true, Unit: otp.UnitHour, Period: 2, Limit: 5}
	updated, err := c.Apps().Update(ctx, app.ID, in)
	if err != nil || updated.ID != app.ID || updated.CreateTime != app.CreateTime || !updated.Matches(in) {
		t.Fatalf("update app %+v %v", updated, err)
	}
	if got, err := c.Apps().Get(ctx, app.ID); err != nil || !got.Matches(in) {
		t.Fatalf("get app %+v %v", got, err)
	}
	if _, err := c.Apps().Get(ctx, "zzzzzzzz"); !otp.IsNotFound(err) {
		t.Fatalf("unknown app: %v", err)
	}
	if _, err := c.Apps().Create(ctx, in); !otp.IsNameTaken(err) {
		t.Fatalf("app name taken: %v", err)
	}

	tin := otp.Template{AppID: app.ID, Name: "login-sms", Text: "##code## is your code", CodeType: otp.CodeTypeAlphanumeric,
		CodeLength: 6, SpeechRate: 0, Language: "JP", MaxDuration: 59, RepeatCount: 2}
	tpl, err := c.Templates().Create(ctx, tin)
	if err != nil || tpl.ID <= 1 || !tpl.Matches(tin) {
		t.Fatalf("create template %+v %v", tpl, err)
	}
	tin.SenderID, tin.Text = "SHOP", "Your code: ##code##"
	if got, err := c.Templates().Update(ctx, fmt.Sprint(tpl.ID), tin); err != nil || !got.Matches(tin) {
		t.Fatalf("update template %+v %v", got, err)
	}
	list, err := c.Templates().List(ctx)
	if err != nil || len(list) != 1 || !list[0].Matches(tin) {
		t.Fatalf("list %+v %v", list, err)
	}
	if _, err := c.Templates().Create(ctx, otp.Template{AppID: "nosuchapp", Name: "orphan", Text: "##code##", CodeType: 1, CodeLength: 4,
		Language: "EN", SpeechRate: 50, MaxDuration: 59, RepeatCount: 1}); err == nil || !strings.Contains(err.Error(), "appId") {
		t.Fatalf("template of an unknown app: %v", err)
	}
	want := map[string]int{
		sandbox.RouteAppAdd: 2, sandbox.RouteAppUpdate: 1, sandbox.RouteAppDetails: 2,
		sandbox.RouteTemplateAdd: 2, sandbox.RouteTemplateUpdate: 1, sandbox.RouteTemplateList: 1,
	}
	if got := srv.Counts(); !maps.Equal(got, want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
}

func TestLostAppCreateAgainstSandbox(t *testing.T) {
	srv, base := startSandbox(t)
	srv.SetFaults(sandbox.Faults{DropCreateRate: 1, Limit: 1})
	_, err := client(t, base, "secret").Apps().Create(context.Background(), otp.App{Name: "shop-login", CodeExpiry: 5})
	var unconfirmed *otp.UnconfirmedCreateError
	if !errors.As(err, &unconfirmed) || !unconfirmed.Exists {
		t.Fatalf("got %v: the retry's -20 proves the app exists", err)
	}
	if apps := srv.Apps("key"); len(apps) != 1 {
		t.Fatalf("%d apps: never a duplicate", len(apps))
	}
}
