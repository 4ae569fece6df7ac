package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// TestAccProvider_wrongCredentialsReportedOnce: a wrong secret is one
// failure for the whole run. The plan of flows, templates and apps shows
// one error that says what to fix, and the CLI folds the other resources'
// warnings into one line; one request is sent, not one per resource.
func TestAccProvider_wrongCredentialsReportedOnce(t *testing.T) {
	e := newAccEnv(t)
	w := newCLIWorkspace(t, e, nil)
	var body strings.Builder
	for i := range 3 {
		body.WriteString(taskFlow(fmt.Sprintf("f%d", i), fmt.Sprintf("refused-flow-%d", i), node(30+i, 1, "sms")))
	}
	for i := range 3 {
		body.WriteString(template(fmt.Sprintf("t%d", i), fmt.Sprintf("app_id = %q", e.hostApp()), fmt.Sprintf(`name = "refused-template-%d"`, i), `text = "##code##"`))
	}
	for i := range 2 {
		body.WriteString(app(fmt.Sprintf("a%d", i), fmt.Sprintf(`name = "refused-app-%d"`, i)))
	}
	w.config(body.String())
	w.must(nil, "apply", "-auto-approve")

	e.sb.ResetCounts()
	out, code := w.run([]string{EnvAPISecret + "=wrong-secret"}, "plan")
	if code != 1 {
		t.Fatalf("the plan with a wrong secret exited %d, want 1:\n%s", code, out)
	}
	if n := strings.Count(out, "Error: "); n != 1 {
		t.Fatalf("%d errors, want the one that explains it:\n%s", n, out)
	}
	for _, want := range []string{"Error: OTP API Credentials Rejected", "status -1", "Check the provider's api_key and api_secret",
		"Nothing else was sent", "Warning: OTP API Credentials Rejected", "more similar warnings"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	// The refresh sends its first requests at once (a list per kind, a
	// details call per app); none is repeated, and once the first refusal
	// is back nothing more is sent (TestRefusedCredentialsAreNotSentAgain).
	got := e.sb.Counts()
	if got[sandbox.RouteFlowList] > 1 || got[sandbox.RouteTemplateList] > 1 || got[sandbox.RouteAppDetails] > 2 || e.sb.Total() > 4 {
		t.Errorf("the plan sent %v, want at most one list per kind and one details call per app", got)
	}
}
