package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// testKind is what the acceptance tests that every kind must pass (in
// resource_test.go) need to know about a kind: its routes, two valid
// contents, and the vendor console's view of it.
type testKind struct {
	// info is the provider's own description of the kind.
	info            kindInfo
	typeName, title string
	listable        bool
	// The sandbox routes of the kind; list is "" for a kind without one.
	add, update, details, list string
	// hcl renders the resource labelled label named name with content v
	// (0 or 1: going from 0 to 1 is an update of every attribute kind).
	hcl func(e *accEnv, label, name string, v int) string
	// stored reports whether the account holds an object named name with
	// content v, as the vendor would show it.
	stored func(e *accEnv, name string, v int) error
	// The vendor console: add an object (content 0), edit one, delete one.
	consoleAdd    func(e *accEnv, name string) string
	consoleEdit   func(e *accEnv, id string)
	consoleDelete func(e *accEnv, id string)
	// ids maps the names of the kind's objects in the account to their ids.
	ids func(e *accEnv) map[string]string
}

// count is how many objects of the kind the account holds.
func (k testKind) count(e *accEnv) int { return len(k.ids(e)) }

// byName builds an ids function from a console listing.
func byName[T any](list func(e *accEnv) []T, name func(T) string, id func(T) string) func(e *accEnv) map[string]string {
	return func(e *accEnv) map[string]string {
		out := map[string]string{}
		for _, obj := range list(e) {
			out[name(obj)] = id(obj)
		}
		return out
	}
}

func (k testKind) addr(label string) string { return "otp_" + k.typeName + "." + label }

// read is the request budget of reading n objects of the kind: one list
// whatever n for a listable kind, else one details call each.
func (k testKind) read(n int) map[string]int {
	if k.listable {
		return map[string]int{k.list: 1}
	}
	return map[string]int{k.details: n}
}

var tkFlow = testKind{
	info:     taskFlowKind.kindInfo,
	typeName: "task_flow", title: "Task Flow", listable: true,
	add: sandbox.RouteFlowAdd, update: sandbox.RouteFlowUpdate, details: sandbox.RouteFlowDetails, list: sandbox.RouteFlowList,
	hcl: func(_ *accEnv, label, name string, v int) string {
		if v == 0 {
			return taskFlow(label, name, node(60, 1, "sms"))
		}
		return taskFlow(label, name, node(90, 2, "call", 1), node(120, 1, "sms"))
	},
	stored: func(e *accEnv, name string, v int) error {
		want := []sandbox.Node{{WaitingTime: 60, Status: 1, Channel: "sms"}}
		if v == 1 {
			want = []sandbox.Node{{WaitingTime: 90, Status: 2, Channel: "call", ChannelCut: 1}, {WaitingTime: 120, Status: 1, Channel: "sms"}}
		}
		return e.flowHolds(name, want...)
	},
	consoleAdd: func(e *accEnv, name string) string {
		f, err := e.sb.AddFlow(e.key, sandbox.Flow{Name: name, Flow: []sandbox.Node{{WaitingTime: 60, Status: 1, Channel: "sms"}}})
		e.must(err)
		return strconv.FormatInt(f.FlowID, 10)
	},
	consoleEdit: func(e *accEnv, id string) {
		_, err := e.sb.EditFlow(e.intID(id), func(f *sandbox.Flow) { f.Flow[0].WaitingTime = 33 })
		e.must(err)
	},
	consoleDelete: func(e *accEnv, id string) { e.must(e.sb.DeleteFlow(e.intID(id))) },
	ids: byName(func(e *accEnv) []sandbox.Flow { return e.sb.Flows(e.key) },
		func(f sandbox.Flow) string { return f.Name }, func(f sandbox.Flow) string { return strconv.FormatInt(f.FlowID, 10) }),
}

var tkApp = testKind{
	info:     appKind.kindInfo,
	typeName: "app", title: "App", listable: false,
	add: sandbox.RouteAppAdd, update: sandbox.RouteAppUpdate, details: sandbox.RouteAppDetails,
	hcl: func(_ *accEnv, label, name string, v int) string {
		if v == 0 {
			return fmt.Sprintf("resource \"otp_app\" %q {\n  name = %q\n  period_total_send_limit {\n    unit = \"day\"\n    period = 1\n    limit = 100000\n  }\n}\n", label, name)
		}
		return fmt.Sprintf("resource \"otp_app\" %q {\n  name = %q\n  code_expiry = 10\n  period_phone_send_limit {\n    unit = \"hour\"\n    period = 2\n    limit = 10000000000\n  }\n}\n", label, name)
	},
	stored: func(e *accEnv, name string, v int) error {
		for _, a := range e.sb.Apps(e.key) {
			if a.Name != name {
				continue
			}
			var ok bool
			if v == 0 {
				ok = a.CodeExpiry == 5 && limitIs(a.PeriodTotalSendLimit, 1, 1, 100000) && !a.PeriodPhoneSendLimit.Enabled
			} else {
				ok = a.CodeExpiry == 10 && !a.PeriodTotalSendLimit.Enabled && limitIs(a.PeriodPhoneSendLimit, 2, 2, 10_000_000_000)
			}
			if !ok {
				return fmt.Errorf("app %q holds %+v, not content %d", name, a, v)
			}
			return nil
		}
		return fmt.Errorf("no app named %q in the account", name)
	},
	consoleAdd: func(e *accEnv, name string) string {
		a, err := e.sb.AddApp(e.key, sandbox.App{Name: name, CodeExpiry: 5, PeriodTotalSendLimit: sandbox.Limit{Enabled: true, Unit: ptr(1), Period: ptr(1), Limit: ptr(int64(100000))}})
		e.must(err)
		return a.AppID
	},
	consoleEdit: func(e *accEnv, id string) {
		_, err := e.sb.EditApp(id, func(a *sandbox.App) { a.CodeExpiry = 42 })
		e.must(err)
	},
	consoleDelete: func(e *accEnv, id string) { e.must(e.sb.DeleteApp(id)) },
	ids: byName(func(e *accEnv) []sandbox.App { return e.sb.Apps(e.key) },
		func(a sandbox.App) string { return a.Name }, func(a sandbox.App) string { return a.AppID }),
}

var tkTemplate = testKind{
	info:     templateKind.kindInfo,
	typeName: "template", title: "Template", listable: true,
	add: sandbox.RouteTemplateAdd, update: sandbox.RouteTemplateUpdate, details: sandbox.RouteTemplateDetails, list: sandbox.RouteTemplateList,
	hcl: func(e *accEnv, label, name string, v int) string {
		if v == 0 {
			return fmt.Sprintf("resource \"otp_template\" %q {\n  app_id = %q\n  name = %q\n  text = \"##code## is your code\"\n  code_length = 6\n}\n", label, e.hostApp(), name)
		}
		return fmt.Sprintf("resource \"otp_template\" %q {\n  app_id = %q\n  name = %q\n  text = \"Your code: ##code##\"\n  code_type = \"alphanumeric\"\n"+
			"  code_length = 8\n  language = \"JP\"\n  speech_rate = 0\n  max_duration = 120\n  repeat_count = 2\n  sender_id = \"SHOP\"\n}\n", label, e.hostApp(), name)
	},
	stored: func(e *accEnv, name string, v int) error {
		for _, tpl := range e.sb.Templates(e.key) {
			if tpl.Name != name {
				continue
			}
			want := sandbox.Template{TemplateID: tpl.TemplateID, AppID: e.hostApp(), Name: name, Text: "##code## is your code", CodeType: 1,
				CodeLength: 6, SpeechRate: 50, Language: "EN", MaxDuration: 59, RepeatCnt: 1}
			if v == 1 {
				want = sandbox.Template{TemplateID: tpl.TemplateID, AppID: e.hostApp(), Name: name, Text: "Your code: ##code##", CodeType: 3,
					CodeLength: 8, SpeechRate: 0, Language: "JP", MaxDuration: 120, RepeatCnt: 2, SenderID: "SHOP"}
			}
			if tpl != want {
				return fmt.Errorf("template %q holds %+v, want %+v", name, tpl, want)
			}
			return nil
		}
		return fmt.Errorf("no template named %q in the account", name)
	},
	consoleAdd: func(e *accEnv, name string) string {
		tpl, err := e.sb.AddTemplate(e.key, sandbox.Template{AppID: e.hostApp(), Name: name, Text: "##code## is your code", CodeLength: 6, SpeechRate: 50})
		e.must(err)
		return strconv.FormatInt(tpl.TemplateID, 10)
	},
	consoleEdit: func(e *accEnv, id string) {
		_, err := e.sb.EditTemplate(e.intID(id), func(t *sandbox.Template) { t.CodeLength = 9 })
		e.must(err)
	},
	consoleDelete: func(e *accEnv, id string) { e.must(e.sb.DeleteTemplate(e.intID(id))) },
	ids: byName(func(e *accEnv) []sandbox.Template { return e.sb.Templates(e.key) },
		func(t sandbox.Template) string { return t.Name }, func(t sandbox.Template) string { return strconv.FormatInt(t.TemplateID, 10) }),
}

// allKinds are the kinds every shared acceptance test runs for.
var allKinds = []testKind{tkFlow, tkApp, tkTemplate}

// forEachKind runs test once per kind, as parallel subtests.
func forEachKind(t *testing.T, test func(t *testing.T, e *accEnv, k testKind)) {
	for _, k := range allKinds {
		t.Run(k.typeName, func(t *testing.T) {
			test(t, newAccEnv(t), k)
		})
	}
}

func limitIs(l sandbox.Limit, unit, period int, limit int64) bool {
	return l.Enabled && l.Unit != nil && *l.Unit == unit && l.Period != nil && *l.Period == period && l.Limit != nil && *l.Limit == limit
}

func ptr[T any](v T) *T { return &v }

func (e *accEnv) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *accEnv) intID(id string) int64 {
	e.t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	e.must(err)
	return n
}

// hostApp is the app the test's templates belong to, made once in the
// console.
func (e *accEnv) hostApp() string {
	e.t.Helper()
	if e.sb == nil {
		e.t.Skip("template tests need an app made in the sandbox's console")
	}
	for _, a := range e.sb.Apps(e.key) {
		if a.Name == "template-host" {
			return a.AppID
		}
	}
	a, err := e.sb.AddApp(e.key, sandbox.App{Name: "template-host", CodeExpiry: 5})
	e.must(err)
	return a.AppID
}

// idOf returns the id of the object of kind k named name in the sandbox.
func (e *accEnv) idOf(k testKind, name string) string {
	e.t.Helper()
	id, ok := k.ids(e)[name]
	if !ok {
		e.t.Fatalf("no %s named %q in the sandbox", k.info.noun, name)
	}
	return id
}

// node renders one flow block.
func node(waiting, status int, channel string, cut ...int) string {
	s := fmt.Sprintf("  flow {\n    waiting_time = %d\n    status       = %d\n    channel      = %q\n", waiting, status, channel)
	if len(cut) > 0 {
		s += fmt.Sprintf("    channel_cut  = %d\n", cut[0])
	}
	return s + "  }\n"
}

// taskFlow renders an otp_task_flow resource.
func taskFlow(label, name string, nodes ...string) string {
	return fmt.Sprintf("resource \"otp_task_flow\" %q {\n  name = %q\n%s}\n", label, name, strings.Join(nodes, ""))
}

// checkStored is stored as a step check.
func (e *accEnv) checkStored(k testKind, name string, v int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if e.sb == nil {
			return nil
		}
		return k.stored(e, name, v)
	}
}
