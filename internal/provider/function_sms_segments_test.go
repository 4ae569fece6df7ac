package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestFunctionSMSSegmentsRun(t *testing.T) {
	for _, tc := range []struct {
		name       string
		text       string
		codeLength int64
		want       attr.Value
		wantErr    *function.FuncError
	}{
		{"GSM-7", "##code## is your code", 6, types.Int64Value(1), nil},
		// 155 + 6 = 161 septets.
		{"GSM-7 over the limit", strings.Repeat("a", 155) + "##code##", 6, types.Int64Value(2), nil},
		// 12 + 6 + 2 + 60 = 80 UTF-16 units.
		{"UCS-2", "Don’t share ##code##: " + strings.Repeat("a", 60), 6, types.Int64Value(2), nil},
		{"UCS-2 in one SMS", "验证码：##code##", 10, types.Int64Value(1), nil},
		{"shortest code", strings.Repeat("a", 156) + "##code##", 4, types.Int64Value(1), nil},
		{"longest code", strings.Repeat("a", 156) + "##code##", 10, types.Int64Value(2), nil},
		{"no placeholder", strings.Repeat("a", 161), 4, types.Int64Value(2), nil},
		// The examples of the docs' page (templates/functions/sms_segments.md.tmpl).
		{"docs: short", "##code## is your Shop code, valid 5 minutes.", 6, types.Int64Value(1), nil},
		{"docs: 156 GSM-7", "##code##" + strings.Repeat("a", 150), 6, types.Int64Value(1), nil},
		{"docs: 156 UCS-2", "##code##" + strings.Repeat("a", 149) + "’", 6, types.Int64Value(3), nil},
		{"docs: euros", "##code##" + strings.Repeat("a", 145) + strings.Repeat("€", 5), 6, types.Int64Value(2), nil},
		{"docs: 60 Chinese", "##code##" + strings.Repeat("码", 60), 10, types.Int64Value(1), nil},
		{"docs: 61 Chinese", "##code##" + strings.Repeat("码", 61), 10, types.Int64Value(2), nil},
		{"code too short", "##code##", 3, types.Int64Unknown(),
			function.NewArgumentFuncError(1, "must be between 4 and 10, the range of a template's code_length; got 3")},
		{"code too long", "##code##", 11, types.Int64Unknown(),
			function.NewArgumentFuncError(1, "must be between 4 and 10, the range of a template's code_length; got 11")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(tc.text), types.Int64Value(tc.codeLength)})}
			resp := function.RunResponse{Result: function.NewResultData(types.Int64Unknown())}
			smsSegmentsFunction{}.Run(context.Background(), req, &resp)
			if !resp.Error.Equal(tc.wantErr) {
				t.Errorf("error %v, want %v", resp.Error, tc.wantErr)
			}
			if got := resp.Result.Value(); !got.Equal(tc.want) {
				t.Errorf("result %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFunctionSMSSegmentsDefinition(t *testing.T) {
	var meta function.MetadataResponse
	smsSegmentsFunction{}.Metadata(context.Background(), function.MetadataRequest{}, &meta)
	if meta.Name != "sms_segments" {
		t.Errorf("name %q", meta.Name)
	}
	var def function.DefinitionResponse
	smsSegmentsFunction{}.Definition(context.Background(), function.DefinitionRequest{}, &def)
	if def.Diagnostics.HasError() {
		t.Fatal(def.Diagnostics)
	}
	d := def.Definition
	if d.Summary == "" || !strings.Contains(d.MarkdownDescription, "before anything the carrier") {
		t.Errorf("summary %q, description %q", d.Summary, d.MarkdownDescription)
	}
	for i, want := range []string{"text", "code_length"} {
		if p := d.Parameters[i]; p.GetName() != want || p.GetMarkdownDescription() == "" {
			t.Errorf("parameter %d is %q (%q), want %q with a description", i, p.GetName(), p.GetMarkdownDescription(), want)
		}
	}
	if len(d.Parameters) != 2 {
		t.Errorf("%d parameters", len(d.Parameters))
	}
	if _, ok := d.Return.(function.Int64Return); !ok {
		t.Errorf("returns %T", d.Return)
	}
	if fs := (&otpProvider{}).Functions(context.Background()); len(fs) != 1 {
		t.Errorf("the provider has %d functions", len(fs))
	}
}

// TestAccFunction_smsSegments calls the function through a real CLI, in
// outputs and in a variable's validation, which is what it is for: a module
// checks its own inputs before any resource is planned. It makes no request.
func TestAccFunction_smsSegments(t *testing.T) {
	e := newAccEnv(t)
	call := func(text string, codeLength int) string {
		return fmt.Sprintf("provider::otp::sms_segments(%q, %d)", text, codeLength)
	}
	outputs := func(values map[string]string) string {
		var b strings.Builder
		for _, name := range slices.Sorted(maps.Keys(values)) {
			fmt.Fprintf(&b, "output %q {\n  value = %s\n}\n", name, values[name])
		}
		return b.String()
	}
	// A variable that must fit one SMS with a 6-character code.
	oneSMS := func(text string) string {
		return fmt.Sprintf(`variable "text" {
  type    = string
  default = %q
  validation {
    condition     = provider::otp::sms_segments(var.text, 6) == 1
    error_message = "The login text must fit in one SMS with a 6-character code."
  }
}
output "text_segments" {
  value = provider::otp::sms_segments(var.text, 6)
}
`, text)
	}
	ucs2 := "Don’t share ##code##: " + strings.Repeat("a", 60) // 80 UTF-16 units
	long := strings.Repeat("a", 155) + "##code##"              // 161 septets with 6
	limit := strings.Repeat("a", 156) + "##code##"             // 160 septets with 4, 166 with 10
	emoji := "##code## 🔐" + strings.Repeat("a", 59)            // 6 + 1 + 2 + 59 = 68 units with 6
	noRequests := e.requests("the function calls", none).check()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				PreConfig: e.reset(),
				Config: e.provider() + outputs(map[string]string{
					"gsm": call("##code## is your code", 6), "ucs2": call(ucs2, 6), "long": call(long, 6),
					"limit4": call(limit, 4), "limit10": call(limit, 10), "emoji": call(emoji, 6),
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("gsm", knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownOutputValue("ucs2", knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownOutputValue("long", knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownOutputValue("limit4", knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownOutputValue("limit10", knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownOutputValue("emoji", knownvalue.Int64Exact(1)),
				},
				Check: noRequests,
			},
			{
				Config:      e.provider() + outputs(map[string]string{"short": call("##code##", 3)}),
				ExpectError: expectError(`Invalid value for "code_length" parameter: must be between 4 and 10, the range of a template's code_length; got 3.`),
			},
			{
				PreConfig:   e.reset(),
				Config:      e.provider() + oneSMS(ucs2),
				ExpectError: expectError("Invalid value for variable", "The login text must fit in one SMS with a 6-character code."),
			},
			{
				Config: e.provider() + oneSMS("##code## is your login code. Don't share it."),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("text_segments", knownvalue.Int64Exact(1)),
				},
				Check: noRequests,
			},
		},
	})
}
