package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// What is particular to templates; what every kind shares is proven in
// resource_test.go.

// template renders an otp_template with the given body lines.
func template(label string, lines ...string) string {
	return fmt.Sprintf("resource \"otp_template\" %q {\n  %s\n}\n", label, strings.Join(lines, "\n  "))
}

func TestAccTemplate_validation(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	base := func(extra ...string) string {
		return template("test", append([]string{`app_id = "mRELxtHc"`, `name = "login-sms"`, `text = "##code## is your code"`}, extra...)...)
	}
	withText := func(text string) string {
		return template("test", `app_id = "mRELxtHc"`, `name = "login-sms"`, fmt.Sprintf("text = %q", text))
	}
	e.validationTest(t, []validationCase{
		{withText("your code is here"), []string{"Missing Code Placeholder", "must contain ##code## where the code goes"}},
		{withText(""), []string{"text UTF-8 character count must be between 1 and 256, got: 0"}},
		{withText("##code##" + strings.Repeat("码", 249)), []string{"text UTF-8 character count must be between 1 and 256, got: 257"}},
		{base(`code_type = "octal"`), []string{"code_type value must be one of", `"octal"`}},
		{base("code_length = 3"), []string{"code_length value must be between 4 and 10, got: 3"}},
		{base("code_length = 11"), []string{"code_length value must be between 4 and 10, got: 11"}},
		{base(`language = "en"`), []string{"language value must be one of", `got: "en". Did you mean "EN"?`}},
		{base(`language = "cn"`), []string{`Did you mean "CN"? Values are case-sensitive.`}},
		{base(`code_type = "Numeric"`), []string{`Did you mean "numeric"?`}},
		{base(`language = "FR"`), []string{"language value must be one of", `"FR"`}},
		{base("speech_rate = -1"), []string{"speech_rate value must be between 0 and 100, got: -1"}},
		{base("speech_rate = 101"), []string{"speech_rate value must be between 0 and 100, got: 101"}},
		{base("max_duration = 4"), []string{"max_duration value must be between 5 and 599, got: 4"}},
		{base("max_duration = 600"), []string{"max_duration value must be between 5 and 599, got: 600"}},
		{base("repeat_count = 0"), []string{"repeat_count value must be between 1 and 10, got: 0"}},
		{base("repeat_count = 11"), []string{"repeat_count value must be between 1 and 10, got: 11"}},
		{base(`sender_id = ""`), []string{"Empty Sender ID", "leave the attribute out (or set it to null)"}},
		{template("test", `app_id = "a b"`, `name = "login-sms"`, `text = "##code##"`), []string{"Invalid App ID", `"a b" is not an app id`}},
		{template("test", `app_id = "mRELxtHc"`, `name = "abc"`, `text = "##code##"`), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 3"}},
	}, // The limits themselves are valid: 256 characters of Chinese text.
		template("test", `app_id = "mRELxtHc"`, `name = "登录短信"`, fmt.Sprintf("text = %q", "##code##"+strings.Repeat("码", 248)),
			`code_type = "hex"`, "code_length = 10", `language = "IDN"`, "speech_rate = 0", "max_duration = 599", "repeat_count = 10", `sender_id = "S"`),
		tkTemplate.nameCheck())
}

// TestAccTemplate_cannotMove: a template cannot move to another app; a
// change of app_id with the same name is an error at plan that says why,
// and with a new name it replaces the template, leaving the old one.
func TestAccTemplate_cannotMove(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	addr := "otp_template.login"
	apps := app("a", `name = "app-a"`) + app("b", `name = "app-b"`)
	tpl := func(appRef, name string) string {
		return template("login", "app_id = "+appRef, fmt.Sprintf("name = %q", name), `text = "##code## is your code"`)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider() + apps + tpl("otp_app.a.id", "login-sms"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("otp_app.a", tfjsonpath.New("id"), addr, tfjsonpath.New("app_id"), compareSame),
				},
			},
			{
				PreConfig: e.reset(),
				Config:    e.provider() + apps + tpl("otp_app.b.id", "login-sms"),
				ExpectError: expectError("Template Cannot Move to Another App", `belongs to app`, `and app_id now says`,
					"cannot move a template to another app", `cannot take the name "login-sms"`, "give the template a new name"),
			},
			{
				// Into an app created in this very run: app_id is unknown at plan.
				PreConfig: func() {
					if err := e.requests("the refused move", map[string]int{tkApp.details: 2, tkTemplate.list: 1}).verify(); err != nil {
						t.Error(err)
					}
				},
				Config:      e.provider() + apps + app("c", `name = "app-c"`) + tpl("otp_app.c.id", "login-sms"),
				ExpectError: expectError("Template Cannot Move to Another App", "a value known only after apply"),
			},
			{
				Config: e.provider() + apps + tpl("otp_app.b.id", "login-sms-b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("otp_app.b", tfjsonpath.New("id"), addr, tfjsonpath.New("app_id"), compareSame),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("login-sms-b")),
				},
				Check: func(*terraform.State) error {
					// The old template cannot be deleted: it stays, in app a.
					if n := len(e.sb.Templates(e.key)); n != 2 {
						return fmt.Errorf("%d templates, want the old and the new", n)
					}
					return nil
				},
			},
		},
	})
}

// TestAccTemplate_unknownApp: a template whose app_id names no app of the
// account is an error on app_id that says so, and nothing is created (the
// API's "not found" is not about anything removed in the console).
func TestAccTemplate_unknownApp(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	e.hostApp()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      e.provider() + template("test", `app_id = "noSuchApp1"`, `name = "orphan-sms"`, `text = "##code##"`),
			ExpectError: regexp.MustCompile(`(?s)App Not Found.*with otp_template\.test.*app_id\s+=\s+"noSuchApp1".*No app of the account has the id\s+"noSuchApp1".*nothing\s+was\s+created.*status -24`),
		}},
	})
	if n := len(e.sb.Templates(e.key)); n != 0 {
		t.Fatalf("%d templates, want none", n)
	}
}

// longUCS2Text is 82 characters with a 6-character code, one of them a
// curly quote (at position 32 as written): UCS-2, so 2 SMS (70 fit in one).
const longUCS2Text = "##code## is your Shop code. Don’t share it with anyone: our staff never asks for it."

// TestAccTemplate_smsSegments: sms_segments is known at plan, so the plan
// shows what a change of text costs; the data sources carry it too.
func TestAccTemplate_smsSegments(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	addr := "otp_template.test"
	config := func(text string) string {
		return e.provider() + template("test", fmt.Sprintf("app_id = %q", e.hostApp()), `name = "costly-sms"`, fmt.Sprintf("text = %q", text), "code_length = 6")
	}
	planned := func(n int64, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(addr, action),
			plancheck.ExpectKnownValue(addr, tfjsonpath.New("sms_segments"), knownvalue.Int64Exact(n)),
		}}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config("##code## is your Shop code."),
				ConfigPlanChecks:  planned(1, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("sms_segments"), knownvalue.Int64Exact(1))},
			},
			{
				Config:           config(longUCS2Text),
				ConfigPlanChecks: planned(2, plancheck.ResourceActionUpdate),
			},
			{
				Config: config(longUCS2Text) + "data \"otp_template\" \"read\" {\n  id = otp_template.test.id\n}\n",
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sms_segments"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue("data.otp_template.read", tfjsonpath.New("sms_segments"), knownvalue.Int64Exact(2)),
				},
			},
		},
	})
}

// TestAccTemplate_smsSegmentsWarning: a create whose text takes more than
// one SMS warns at plan, naming the character that made it UCS-2 and where
// it is; a plan that does not change the text does not warn again.
func TestAccTemplate_smsSegmentsWarning(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	w.config(template("test", fmt.Sprintf("app_id = %q", e.hostApp()), `name = "costly-sms"`, fmt.Sprintf("text = %q", longUCS2Text), "code_length = 6"))
	out := w.must(nil, "plan")
	for _, want := range []string{"Warning: Template Text Takes 2 SMS per Code", `Template "costly-sms" will cost 2 SMS for every code`,
		"curly quote ’ at position 32", "UCS-2", "before anything the carrier adds", "sms_segments", "= 2"} {
		if !expectError(want).MatchString(out) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
	w.must(nil, "apply", "-auto-approve")
	if out := w.must(nil, "plan"); strings.Contains(out, "SMS per Code") || !strings.Contains(out, "No changes") {
		t.Errorf("an unchanged template warns again, or plans a change:\n%s", out)
	}
}
