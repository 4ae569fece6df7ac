package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

// deleteWarns runs Delete on a state built from obj, with no client: Delete
// must not call the API (and would panic if it did).
func deleteWarns[M objectModel, T any](t *testing.T, k *kind[M, T], obj T, id, name string) {
	t.Helper()
	ctx := context.Background()
	r := &objectResource[M, T]{k: k, pd: newProviderData(nil, true)}
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	if sr.Diagnostics.HasError() {
		t.Fatal(sr.Diagnostics)
	}
	state := tfsdk.State{Schema: sr.Schema}
	if d := state.Set(ctx, k.model(obj)); d.HasError() {
		t.Fatal(d)
	}
	resp := resource.DeleteResponse{State: state}
	r.Delete(ctx, resource.DeleteRequest{State: state}, &resp)
	if resp.Diagnostics.HasError() || len(resp.Diagnostics.Warnings()) != 1 {
		t.Fatalf("diagnostics %v, want exactly one warning", resp.Diagnostics)
	}
	w := resp.Diagnostics.Warnings()[0]
	if w.Summary() != fmt.Sprintf("%s %s Still Exists in the OTP Account", k.title, id) {
		t.Fatalf("summary %q", w.Summary())
	}
	for _, want := range []string{fmt.Sprintf("%s %s (%q)", upperFirst(k.noun), id, name), "still exists in the account",
		"its name stays taken", "vendor console", fmt.Sprintf("terraform import otp_%s.<name> %s", k.typeName, id)} {
		if !strings.Contains(w.Detail(), want) {
			t.Errorf("warning lacks %q:\n%s", want, w.Detail())
		}
	}
}

func TestDeleteOnlyForgetsAndWarns(t *testing.T) {
	deleteWarns(t, taskFlowKind, otp.Flow{ID: 10001, Name: "login-fallback", Nodes: []otp.Node{{WaitingTime: 60, Status: 1, Channel: "sms"}}}, "10001", "login-fallback")
	deleteWarns(t, appKind, otp.App{ID: "mRELxtHc", Name: "shop-login", CodeExpiry: 5, CreateTime: "2026-01-01T00:00:00+08:00"}, "mRELxtHc", "shop-login")
	deleteWarns(t, templateKind, otp.Template{ID: 20001, AppID: "mRELxtHc", Name: "login-sms", Text: "##code##", CodeType: 1, CodeLength: 4,
		Language: "EN", SpeechRate: 50, MaxDuration: 59, RepeatCount: 1}, "20001", "login-sms")
}

// Every kind's model must survive API object → state → API object, and
// state → API object → state, unchanged.
func TestModelsRoundTrip(t *testing.T) {
	flow := otp.Flow{ID: 7, Name: "abcd", Nodes: []otp.Node{
		{WaitingTime: 60, Status: 1, Channel: "sms", ChannelCut: otp.Int(1)}, {WaitingTime: 90, Status: 2, Channel: "call", ChannelCut: otp.Int(0)}}}
	if back := taskFlowKind.input(flowModel(flow)); !back.Matches(flow) {
		t.Fatalf("flow %+v came back as %+v", flow, back)
	}
	app := otp.App{ID: "mRELxtHc", Name: "shop", CodeExpiry: 9, CreateTime: "t",
		TotalLimit: otp.SendLimit{Enabled: true, Unit: otp.UnitSecond, Period: 90, Limit: 10_000_000_000}}
	if back := appKind.input(appStateModel(app)); !back.Matches(app) {
		t.Fatalf("app %+v came back as %+v", app, back)
	}
	if m := appStateModel(app); m.PhoneLimit != nil || m.TotalLimit.Unit.ValueString() != "second" {
		t.Fatalf("a disabled limit must be a null block, an enabled one named: %+v", m)
	}
	for _, sender := range []string{"", "SHOP"} {
		tpl := otp.Template{ID: 9, AppID: "mRELxtHc", Name: "n", Text: "##code##", CodeType: otp.CodeTypeHex, CodeLength: 10,
			Language: "IDN", SpeechRate: 0, MaxDuration: 599, RepeatCount: 10, SenderID: sender}
		m := templateStateModel(tpl)
		if back := templateKind.input(m); !back.Matches(tpl) {
			t.Fatalf("template %+v came back as %+v", tpl, back)
		}
		if (sender == "") != m.SenderID.IsNull() {
			t.Fatalf("sender %q became %v: unset must be null, never an empty string", sender, m.SenderID)
		}
	}
	// A partial flow plan (channel_cut unknown) leaves the default to the API.
	m := taskFlowModel{Name: types.StringValue("abcd"), Flow: []flowNodeModel{{WaitingTime: types.Int64Value(60), Status: types.Int64Value(1),
		Channel: types.StringValue("sms"), ChannelCut: types.Int64Unknown()}}}
	if in := m.flow(); in.Nodes[0].ChannelCut != nil {
		t.Fatalf("an unknown channel cut was sent as %v", *in.Nodes[0].ChannelCut)
	}
}

// The state after a write is the plan plus what the server added, so that a
// terse answer cannot make Terraform report an inconsistent result.
func TestWrittenStateIsThePlanPlusTheServersFields(t *testing.T) {
	plan := appModel{Name: types.StringValue("shop"), CodeExpiry: types.Int64Value(5), CreateTime: types.StringUnknown()}
	got := appKind.written(plan, otp.App{ID: "abcd1234", Name: "something else", CreateTime: "2026-01-01T00:00:00+08:00"}, appModel{})
	if got.ID.ValueString() != "abcd1234" || got.Name.ValueString() != "shop" || got.CreateTime.ValueString() != "2026-01-01T00:00:00+08:00" {
		t.Fatalf("create: %+v", got)
	}
	prior := appModel{CreateTime: types.StringValue("then")}
	if got := appKind.written(plan, otp.App{ID: "abcd1234"}, prior); got.CreateTime.ValueString() != "then" {
		t.Fatalf("an update answer without createTime must keep the prior one: %+v", got)
	}
	tplan := templateStateModel(otp.Template{Name: "n", Text: "##code##"})
	tplan.ID = types.StringUnknown()
	if got := templateKind.written(tplan, otp.Template{ID: 42}, templateModel{}); got.ID.ValueString() != "42" || got.Text.ValueString() != "##code##" {
		t.Fatalf("template: %+v", got)
	}
}

func TestParseIDs(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"10001", "10001"}, {" 42 ", "42"}, {"007", "7"}} {
		if got, err := parseIntID(c.in, "task flow", "flowId"); err != nil || got != c.want {
			t.Errorf("parseIntID(%q) = %q, %v", c.in, got, err)
		}
	}
	for _, bad := range []string{"", "0", "-3", "abc", "name:x", "1.5", "99999999999999999999"} {
		if _, err := parseIntID(bad, "task flow", "flowId"); err == nil {
			t.Errorf("parseIntID(%q) accepted", bad)
		}
	}
	for _, good := range []string{"mRELxtHc", "abcd", strings.Repeat("x", 32), "ab-_9"} {
		if _, err := parseAppID(good); err != nil {
			t.Errorf("parseAppID(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"abc", strings.Repeat("x", 33), "a b c d", "ab/cd", "ab?cd", "ab\x00cd"} {
		if _, err := parseAppID(bad); err == nil {
			t.Errorf("parseAppID(%q) accepted", bad)
		}
	}
}

func TestAPIErrorDetailGivesNextSteps(t *testing.T) {
	cases := map[string]error{
		"api_key and api_secret":          &otp.APIError{Operation: "op", Code: otp.CodeAuth, Reason: "auth"},
		"IP allow-list":                   &otp.APIError{Operation: "op", Code: otp.CodeIPRestricted, Reason: "ip"},
		"did not come from the OTP":       &otp.HTTPError{Operation: "op", StatusCode: 502, Snippet: "<html>"},
		"try again later":                 &otp.APIError{Operation: "op", Code: otp.CodeSystemException, Reason: "x"},
		"network access":                  errors.New("op: the OTP API could not be reached: dial tcp: connection refused"),
		"ran out of time":                 fmt.Errorf("op: %w", context.DeadlineExceeded),
		"not shaped as the API documents": &otp.DecodeError{Operation: "op", Err: errors.New("json: cannot unmarshal")},
	}
	for want, err := range cases {
		var d diag.Diagnostics
		addAPIError(&d, "Unable to Do It", "Doing it to flow 1 failed.", err)
		if got := d.Errors()[0].Detail(); !strings.Contains(got, want) || !strings.Contains(got, "Doing it to flow 1 failed.") || !strings.Contains(got, err.Error()) {
			t.Errorf("detail for %v lacks %q:\n%s", err, want, got)
		}
	}
}

// The one builder of each situation's diagnostic reads right for every kind.
func TestDiagnosticsNameTheKind(t *testing.T) {
	cause := errors.New("create: the OTP API answered status -20")
	for _, tc := range []struct {
		info   kindInfo
		holder string
		want   []string
	}{
		{taskFlowKind.kindInfo, "10001", []string{"Task Flow Name Already Taken", `a task flow named "x" (id 10001)`, `id = "10001"`, "terraform import otp_task_flow.<name> 10001"}},
		{templateKind.kindInfo, "", []string{"Template Name Already Taken", `a template named "x".`, `id = "name:x"`, "terraform import otp_template.<name> name:x"}},
		{appKind.kindInfo, "", []string{"App Name Already Taken", `an app named "x".`, "cannot list apps", `id = "<id>"`, "an app id looks like mRELxtHc, but that one is only an example"}},
	} {
		var d diag.Diagnostics
		tc.info.addNameTaken(&d, "x", tc.holder, "", "", false, cause)
		// With adoption off, every name-taken message says how tests and
		// rebuilt environments adopt instead.
		tc.want = append(tc.want, "set adopt_existing = true in the provider block (or OTP_ADOPT_EXISTING=true;")
		got := d.Errors()[0].Summary() + "\n" + d.Errors()[0].Detail()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: lacks %q:\n%s", tc.info.noun, w, got)
			}
		}
	}
	var d diag.Diagnostics
	appKind.addUnconfirmedCreate(&d, &otp.UnconfirmedCreateError{Kind: "app", Name: "shop", Exists: true, Err: cause})
	if got := d.Errors()[0].Detail(); !strings.Contains(got, "most likely the one this apply created") || !strings.Contains(got, "vendor console") ||
		strings.Contains(got, "name:shop") {
		t.Errorf("unconfirmed app create:\n%s", got)
	}
}

// TestClaims: one provider process may plan the same resource twice
// (terraform test on Terraform 1.14+ serves a whole file with one process:
// a plan, the apply's own plan, the next run's plan, with other values).
// Two creates of a name are therefore never certain to be two resources: a
// create's claim that agrees with the earlier one is the same resource, one
// with other settings is a warning, and the apply catches real duplicates.
// A rename is an object's own, certain claim.
func TestClaims(t *testing.T) {
	obj := func(appID tftypes.Value, text string) tftypes.Value {
		typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"app_id": tftypes.String, "name": tftypes.String, "text": tftypes.String}}
		return tftypes.NewValue(typ, map[string]tftypes.Value{
			"app_id": appID, "name": tftypes.NewValue(tftypes.String, "login-sms"), "text": tftypes.NewValue(tftypes.String, text),
		})
	}
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	known := tftypes.NewValue(tftypes.String, "mRELxtHc")
	pd := newProviderData(nil, true)
	for _, step := range []struct {
		what string
		c    claim
		want claimVerdict
	}{
		{"the first create", claim{config: obj(unknown, "##code##")}, claimed},
		{"the apply's plan of it, app_id now known", claim{config: obj(known, "##code##")}, claimed},
		{"a later run's plan of it", claim{config: obj(known, "##code##")}, claimed},
		{"a create with other settings", claim{config: obj(known, "##code## is it")}, claimDoubtful},
		{"an existing object renamed onto it", claim{id: "20001"}, claimTaken},
	} {
		if got := pd.claimName(nameKey{"template", "login-sms"}, step.c); got != step.want {
			t.Errorf("%s: verdict %d, want %d", step.what, got, step.want)
		}
	}
	if pd.claimName(nameKey{"template", "other"}, claim{id: "20001"}) != claimed {
		t.Fatal("a rename onto a free name was refused")
	}
	if pd.claimName(nameKey{"template", "other"}, claim{id: "20001"}) != claimed {
		t.Fatal("an object's own claim, made again, was refused")
	}
	if pd.claimName(nameKey{"template", "other"}, claim{id: "20002"}) != claimTaken {
		t.Fatal("another object renamed onto a claimed name was accepted")
	}
	if pd.claimName(nameKey{"template", "other"}, claim{config: obj(known, "##code##")}) != claimTaken {
		t.Fatal("a create onto a name that an object is renamed to was accepted")
	}
}

// TestDescribeChanges: what an adoption's warning lists, attribute by
// attribute: scalars as old → new, blocks by name, nothing of what only the
// server sets.
func TestDescribeChanges(t *testing.T) {
	ctx := context.Background()
	s := appSchema(resourceDocs)
	from := appStateModel(otp.App{ID: "abcd1234", Name: "shop", CodeExpiry: 5, CreateTime: "2026-01-01T00:00:00+08:00"})
	to := from
	to.CodeExpiry = types.Int64Value(10)
	to.TotalLimit = &sendLimitModel{Unit: types.StringValue("day"), Period: types.Int64Value(1), Limit: types.Int64Value(100)}
	to.CreateTime = types.StringUnknown()
	got := describeChanges(ctx, s, from, to)
	want := []string{"code_expiry: 5 → 10", "period_total_send_limit"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes %q, want %q", got, want)
	}
	if got := describeChanges(ctx, s, from, from); len(got) != 0 {
		t.Fatalf("an object that matches has changes %q", got)
	}
}

// TestClaimsFollowTheObject: under terraform test one provider process
// plans run after run. A create's claim passes to the object it made once it
// is applied, a rename moves the object's claim, and a destroy drops it: a
// run that renames an object back onto its first name is the same object,
// and another resource's create of a released name is no duplicate.
func TestClaimsFollowTheObject(t *testing.T) {
	pd := newProviderData(nil, true)
	flow := func(name string) nameKey { return nameKey{"task_flow", name} }
	config := tftypes.NewValue(tftypes.String, "resource a")
	other := tftypes.NewValue(tftypes.String, "resource b")
	steps := []struct {
		what string
		do   func() claimVerdict
		want claimVerdict
	}{
		{"run 1 plans the create of login", func() claimVerdict { return pd.claimName(flow("login"), claim{config: config}) }, claimed},
		{"run 1 applies it as 10001", func() claimVerdict { pd.wroteObject(flow("login"), "10001"); return claimed }, claimed},
		{"run 2 renames it to login-2", func() claimVerdict { return pd.claimName(flow("login-2"), claim{id: "10001"}) }, claimed},
		{"another create of login is not the object's", func() claimVerdict { return pd.claimName(flow("login"), claim{config: other}) }, claimed},
		{"run 3 renames it back", func() claimVerdict { return pd.claimName(flow("login"), claim{id: "10001"}) }, claimTaken},
		{"after that create was dropped", func() claimVerdict {
			pd.mu.Lock()
			delete(pd.claims.byName, flow("login"))
			pd.mu.Unlock()
			return pd.claimName(flow("login"), claim{id: "10001"})
		}, claimed},
		{"login-2 is free again", func() claimVerdict { return pd.claimName(flow("login-2"), claim{id: "10002"}) }, claimed},
		{"a destroy drops the object's claim", func() claimVerdict {
			pd.forget(objectKey{"task_flow", "10002"})
			return pd.claimName(flow("login-2"), claim{config: other})
		}, claimed},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want {
			t.Fatalf("%s: verdict %d, want %d", s.what, got, s.want)
		}
	}
	if n := pd.claimOf(objectKey{"task_flow", "10001"}, "other"); n != "login" {
		t.Fatalf("the object claims %q, want login", n)
	}
}

// TestImportIdentityIsAnID: an identity holds an id, so an identity whose id
// starts with "name:" is checked as an id (and refused as one), never looked
// up as a name; an import id with the prefix is a name. No client is set:
// a lookup would panic.
func TestImportIdentityIsAnID(t *testing.T) {
	ctx := context.Background()
	r := &objectResource[taskFlowModel, otp.Flow]{k: taskFlowKind, pd: newProviderData(nil, true)}
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	var ir resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &ir)
	identity := tfsdk.ResourceIdentity{Schema: ir.IdentitySchema,
		Raw: tftypes.NewValue(ir.IdentitySchema.Type().TerraformType(ctx), map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "name:login")})}
	resp := resource.ImportStateResponse{
		State:    tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)},
		Identity: &tfsdk.ResourceIdentity{Schema: ir.IdentitySchema, Raw: tftypes.NewValue(ir.IdentitySchema.Type().TerraformType(ctx), nil)},
	}
	r.ImportState(ctx, resource.ImportStateRequest{Identity: &identity}, &resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), `"name:login" is not a task flow id`) {
		t.Fatalf("an identity id with the name prefix: %v", resp.Diagnostics)
	}
}
