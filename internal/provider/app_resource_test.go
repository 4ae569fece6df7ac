package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// What is particular to apps; what every kind shares is proven in
// resource_test.go.

// app renders an otp_app with the given body lines.
func app(label string, lines ...string) string {
	return fmt.Sprintf("resource \"otp_app\" %q {\n  %s\n}\n", label, strings.Join(lines, "\n  "))
}

func limitBlock(block, unit string, period, limit int64) string {
	return fmt.Sprintf("%s {\n    unit = %q\n    period = %d\n    limit = %d\n  }", block, unit, period, limit)
}

func TestAccApp_validation(t *testing.T) {
	e := newAccEnv(t)
	e.needsSandbox()
	total := func(unit string, period, limit int64) string {
		return app("test", `name = "shop-login"`, limitBlock("period_total_send_limit", unit, period, limit))
	}
	e.validationTest(t, []validationCase{
		{app("test", `name = "abc"`), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 3"}},
		{app("test", `name = "`+strings.Repeat("应", 33)+`"`), []string{"Attribute name UTF-8 character count must be between 4 and 32, got: 33"}},
		{app("test", `name = "shop-login"`, "code_expiry = 0"), []string{"code_expiry value must be between 1 and 60, got: 0"}},
		{app("test", `name = "shop-login"`, "code_expiry = 61"), []string{"code_expiry value must be between 1 and 60, got: 61"}},
		{total("week", 1, 1), []string{"period_total_send_limit.unit value must be one of", `"week"`}},
		{total("day", 0, 1), []string{"period_total_send_limit.period value must be between 1 and 90, got: 0"}},
		{total("day", 91, 1), []string{"period_total_send_limit.period value must be between 1 and 90, got: 91"}},
		{total("day", 1, 0), []string{"period_total_send_limit.limit value must be between 1 and 10000000000, got: 0"}},
		{app("test", `name = "shop-login"`, limitBlock("period_phone_send_limit", "day", 1, 10000000001)),
			[]string{"period_phone_send_limit.limit value must be between 1 and 10000000000, got: 10000000001"}},
		{app("test", `name = "shop-login"`, "period_phone_send_limit {\n    unit = \"hour\"\n    limit = 5\n  }"),
			// On the block's own line, with a complete block to copy.
			[]string{"Incomplete period_phone_send_limit Block", `in resource "otp_app" "test"`,
				": period_phone_send_limit {", "this one lacks period", `unit   = "day"`, "remove the block to disable the limit"}},
		{total("Day", 1, 1), []string{"period_total_send_limit.unit value must be one of", `got: "Day". Did you mean "day"?`}},
		{app("test", "code_expiry = 5"), []string{`The argument "name" is required`}},
	}, // The limits themselves are valid; apps have no list, so their plan
		// sends nothing at all.
		app("test", `name = "商城登录"`, "code_expiry = 60", limitBlock("period_total_send_limit", "second", 90, 10000000000),
			limitBlock("period_phone_send_limit", "minute", 1, 1)), none)
}

// TestAccApp_limits turns limits on, changes them and turns one off by
// removing its block: all in place, the creation time untouched.
func TestAccApp_limits(t *testing.T) {
	e := newAccEnv(t)
	addr, name := "otp_app.test", e.name("limits-app")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameTime := statecheck.CompareValue(compare.ValuesSame())
	unchanged := func(more ...statecheck.StateCheck) []statecheck.StateCheck {
		return append([]statecheck.StateCheck{sameID.AddStateValue(addr, tfjsonpath.New("id")), sameTime.AddStateValue(addr, tfjsonpath.New("create_time"))}, more...)
	}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider() + app("test", fmt.Sprintf("name = %q", name)),
				ConfigStateChecks: unchanged(
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("code_expiry"), knownvalue.Int64Exact(5)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("period_total_send_limit"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("create_time"), knownvalue.StringRegexp(isoTime)),
				),
			},
			{
				Config: e.provider() + app("test", fmt.Sprintf("name = %q", name), limitBlock("period_total_send_limit", "day", 1, 100000),
					limitBlock("period_phone_send_limit", "hour", 1, 5)),
				ConfigPlanChecks: update,
				ConfigStateChecks: unchanged(statecheck.ExpectKnownValue(addr, tfjsonpath.New("period_phone_send_limit"),
					knownvalue.ObjectExact(map[string]knownvalue.Check{"unit": knownvalue.StringExact("hour"), "period": knownvalue.Int64Exact(1), "limit": knownvalue.Int64Exact(5)}))),
			},
			{
				// Removing a block disables that limit, in place.
				Config:            e.provider() + app("test", fmt.Sprintf("name = %q", name), limitBlock("period_phone_send_limit", "hour", 1, 5)),
				ConfigPlanChecks:  update,
				ConfigStateChecks: unchanged(statecheck.ExpectKnownValue(addr, tfjsonpath.New("period_total_send_limit"), knownvalue.Null())),
				Check: func(*terraform.State) error {
					if e.sb == nil {
						return nil
					}
					for _, a := range e.sb.Apps(e.key) {
						if a.Name == name {
							if a.PeriodTotalSendLimit.Enabled || !limitIs(a.PeriodPhoneSendLimit, 2, 1, 5) {
								return fmt.Errorf("the account holds %+v", a)
							}
							return nil
						}
					}
					return fmt.Errorf("no app named %q", name)
				},
			},
		},
	})
}
