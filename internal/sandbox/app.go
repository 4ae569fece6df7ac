package sandbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// App is a verification-code application: how long a code stays valid and
// the send limits. Its id is a string the server makes up.
type App struct {
	AppID                string `json:"appId"`
	Name                 string `json:"name"`
	CodeExpiry           int    `json:"codeExpiry"`
	PeriodTotalSendLimit Limit  `json:"periodTotalSendLimit"`
	PeriodPhoneSendLimit Limit  `json:"periodPhoneSendLimit"`
	CreateTime           string `json:"createTime"`
}

// Limit caps sends in a period. A disabled limit has no values: they are
// nil, answered as null, as in the vendor's update sample.
type Limit struct {
	Enabled bool   `json:"enabled"`
	Unit    *int   `json:"unit"`   // 1 day, 2 hour, 3 minute, 4 second
	Period  *int   `json:"period"` // in units
	Limit   *int64 `json:"limit"`  // up to 10 000 000 000: more than 32 bits
}

// The vendor's documented limits for an app.
const (
	codeExpiryDefault = 5 // minutes
	codeExpiryMin     = 1
	codeExpiryMax     = 60
	periodMin         = 1 // units
	periodMax         = 90
	limitMax          = 10_000_000_000
	appIDLength       = 8 // as the vendor's sample, "mRELxtHc"
)

// limitFields describe a Limit, for the reference.
var limitFields = []Field{
	field("enabled", TypeBoolean).def(false).means("whether the cap applies; when false, the other fields are dropped (null)"),
	choice("unit", TypeInteger, Choice{1, "day"}, Choice{2, "hour"}, Choice{3, "minute"}, Choice{4, "second"}).
		means("the unit of the period").requiredIf("enabled"),
	field("period", TypeInteger).between(periodMin, periodMax).means("the length of the period, in units").requiredIf("enabled"),
	field("limit", TypeInteger).between(1, limitMax).means("the most sends in one period").requiredIf("enabled"),
}

var appKind = &kind[App]{
	one: "app", many: "apps", idField: "appId",
	ids:    randomIDs{length: appIDLength},
	routes: []op{opAdd, opUpdate, opDetails},
	fixed:  []string{"createTime"},
	fields: []Field{
		nameField("apps"),
		field("codeExpiry", TypeInteger).between(codeExpiryMin, codeExpiryMax).def(codeExpiryDefault).means("minutes a sent code stays valid"),
		field("periodTotalSendLimit", TypeObject).means("caps all sends of the app in a period; absent, null or not enabled: no cap").of(limitFields...),
		field("periodPhoneSendLimit", TypeObject).means("caps the sends to one phone number in a period; absent, null or not enabled: no cap").of(limitFields...),
		field("createTime", "").means("when the app was added, in RFC 3339 at +08:00 as the vendor gives it; assigned by the sandbox, ignored when sent"),
	},
	usedBy:   "templates",
	updateID: true,
	of:       func(o *objects) *list[App] { return &o.apps },
	id:       func(a App) string { return a.AppID },
	setID:    func(a *App, id string) { a.AppID = id },
	name:     func(a App) string { return a.Name },
	parse:    parseApp,
	keep: func(next, prev *App, now time.Time) {
		if prev == nil {
			next.CreateTime = engine.VendorTime(now)
		} else {
			next.CreateTime = prev.CreateTime
		}
	},
	zero: func(a *App) {
		if a.CodeExpiry == 0 {
			a.CodeExpiry = codeExpiryDefault
		}
	},
	users: func(o *objects, id string) string {
		var users []string
		for _, t := range o.templates.objs {
			if t.AppID == id {
				users = append(users, fmt.Sprint(t.TemplateID))
			}
		}
		if len(users) == 0 {
			return ""
		}
		return "is used by template " + strings.Join(users, ", ") + ": delete those first"
	},
}

// parseApp reads {name, codeExpiry, periodTotalSendLimit,
// periodPhoneSendLimit}; an update also carries appId, which must be the
// path's. An update is a full replacement: what it leaves out takes its
// default.
func parseApp(raw []byte, pathID string) (App, string) {
	b := decodeBody(raw)
	if pathID != "" {
		if id := b.str("appId", true, ""); b.reason() == "" && id != pathID {
			b.failf("appId %q does not match the appId in the path, %q", id, pathID)
		}
	}
	a := App{
		Name:                 b.name(),
		CodeExpiry:           int(b.intIn("codeExpiry", false, codeExpiryDefault, codeExpiryMin, codeExpiryMax, " minutes")),
		PeriodTotalSendLimit: parseLimit(b, "periodTotalSendLimit"),
		PeriodPhoneSendLimit: parseLimit(b, "periodPhoneSendLimit"),
	}
	return a, b.reason()
}

// parseLimit reads a limit; absent, null or not enabled, it is disabled and
// keeps none of the values sent with it.
func parseLimit(b *body, field string) Limit {
	raw := b.value(field, false)
	if raw == nil {
		return Limit{}
	}
	obj, isObject := raw.(map[string]any)
	if !isObject {
		b.failf("%s must be an object (got %s)", b.label(field), show(raw))
		return Limit{}
	}
	lb := b.inner(obj, b.label(field)+".")
	if !lb.boolean("enabled") {
		return Limit{}
	}
	unit := int(lb.integer("unit", true, 0))
	if unit < 1 || unit > 4 {
		lb.failf("%s must be 1 (day), 2 (hour), 3 (minute) or 4 (second) (got %d)", lb.label("unit"), unit)
	}
	period := int(lb.intIn("period", true, 0, periodMin, periodMax, ""))
	limit := lb.intIn("limit", true, 0, 1, limitMax, "")
	return Limit{Enabled: true, Unit: &unit, Period: &period, Limit: &limit}
}

// forEngine is what a send reads of the app.
func (a App) forEngine() engine.App {
	return engine.App{
		ID: a.AppID, CodeExpiry: time.Duration(a.CodeExpiry) * time.Minute,
		TotalLimit: a.PeriodTotalSendLimit.forEngine(), PhoneLimit: a.PeriodPhoneSendLimit.forEngine(),
	}
}

func (l Limit) forEngine() engine.Limit {
	if !l.Enabled || l.Unit == nil || l.Period == nil || l.Limit == nil {
		return engine.Limit{}
	}
	return engine.Limit{Enabled: true, Unit: *l.Unit, Period: *l.Period, Max: *l.Limit}
}

// Apps returns an account's apps in the order they were created.
func (s *Server) Apps(key string) []App { return appKind.all(s, key) }

// AddApp stores an app out of band (as the vendor console would), with the
// API's validation and name rule, and returns it with its appId and
// createTime, which it assigns whatever a holds. A zero CodeExpiry takes
// the default, 5 minutes; a zero Limit is a disabled one.
func (s *Server) AddApp(key string, a App) (App, error) { return appKind.consoleAdd(s, key, a) }

// EditApp changes an app out of band, as the vendor console would: the edit
// sees a copy, the result is validated before it is stored, and neither
// appId nor createTime changes.
func (s *Server) EditApp(id string, edit func(*App)) (App, error) {
	return appKind.consoleEdit(s, anyAccount, id, plain(edit))
}

// DeleteApp removes an app out of band, as only the vendor console can. An
// app that templates still use stays (ErrInUse): a template cannot exist
// without its app, and cannot move to another.
func (s *Server) DeleteApp(id string) error { return appKind.consoleDelete(s, anyAccount, id) }
