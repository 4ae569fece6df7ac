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

	"github.com/itniotech/terraform-provider-otp/internal/otp"
)

func TestDeleteOnlyForgetsAndWarns(t *testing.T) {
	ctx := context.Background()
	// No client: Delete must not call the API, and would panic if it did.
	r := &taskFlowResource{}
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	state := tfsdk.State{Schema: sr.Schema}
	if d := state.Set(ctx, flowModel(otp.Flow{ID: 10001, Name: "login-fallback", Nodes: []otp.Node{{WaitingTime: 60, Status: 1, Channel: "sms"}}})); d.HasError() {
		t.Fatal(d)
	}
	resp := resource.DeleteResponse{State: state}
	r.Delete(ctx, resource.DeleteRequest{State: state}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	warnings := resp.Diagnostics.Warnings()
	if len(warnings) != 1 {
		t.Fatalf("%d warnings, want 1", len(warnings))
	}
	w := warnings[0]
	if w.Summary() != "Task Flow Still Exists in the OTP Account" {
		t.Fatalf("summary %q", w.Summary())
	}
	for _, want := range []string{`Task flow 10001 ("login-fallback")`, "still exists in the account", "vendor console", "terraform import otp_task_flow.<name> 10001"} {
		if !strings.Contains(w.Detail(), want) {
			t.Errorf("warning lacks %q:\n%s", want, w.Detail())
		}
	}
}

func TestModelRoundTrip(t *testing.T) {
	m := taskFlowModel{
		Name: types.StringValue("abcd"),
		Flow: []flowNodeModel{
			{WaitingTime: types.Int64Value(60), Status: types.Int64Value(1), Channel: types.StringValue("sms"), ChannelCut: types.Int64Value(1)},
			{WaitingTime: types.Int64Value(90), Status: types.Int64Value(2), Channel: types.StringValue("call"), ChannelCut: types.Int64Null()},
		},
	}
	in := m.input()
	if in.Name != "abcd" || len(in.Nodes) != 2 || *in.Nodes[0].ChannelCut != 1 || in.Nodes[1].ChannelCut != nil {
		t.Fatalf("input %+v", in)
	}
	back := flowModel(otp.Flow{ID: 7, Name: in.Name, Nodes: in.Nodes})
	if back.ID.ValueString() != "7" || back.Flow[1].ChannelCut.ValueInt64() != 0 || back.Flow[0].ChannelCut.ValueInt64() != 1 {
		t.Fatalf("model %+v", back)
	}
}

func TestParseFlowID(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{{"10001", 10001}, {" 42 ", 42}} {
		in, want := c.in, c.want
		if got, err := parseFlowID(in); err != nil || got != want {
			t.Errorf("parseFlowID(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0", "-3", "abc", "name:x", "1.5", "99999999999999999999"} {
		if _, err := parseFlowID(bad); err == nil {
			t.Errorf("parseFlowID(%q) accepted", bad)
		}
	}
}

func TestAPIErrorDetailGivesNextSteps(t *testing.T) {
	cases := map[string]error{
		"api_key and api_secret":    &otp.APIError{Operation: "op", Code: otp.CodeAuth, Reason: "auth"},
		"IP allow-list":             &otp.APIError{Operation: "op", Code: otp.CodeIPRestricted, Reason: "ip"},
		"did not come from the OTP": &otp.HTTPError{Operation: "op", StatusCode: 502, Snippet: "<html>"},
		"try again later":           &otp.APIError{Operation: "op", Code: otp.CodeSystemException, Reason: "x"},
		"network access":            errors.New("op: the OTP API could not be reached: dial tcp: connection refused"),
		"Run terraform apply again": &otp.UnconfirmedCreateError{Name: "x", Err: errors.New("op: broken")},
		"ran out of time":           fmt.Errorf("op: %w", context.DeadlineExceeded),
	}
	for want, err := range cases {
		var d diag.Diagnostics
		addAPIError(&d, "Unable to Do It", "Doing it to flow 1 failed.", err)
		if got := d.Errors()[0].Detail(); !strings.Contains(got, want) || !strings.Contains(got, "Doing it to flow 1 failed.") || !strings.Contains(got, err.Error()) {
			t.Errorf("detail for %v lacks %q:\n%s", err, want, got)
		}
	}
}
