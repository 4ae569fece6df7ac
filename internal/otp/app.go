package otp

import (
	"encoding/json"
)

// Units of a send limit's period.
const (
	UnitDay    = 1
	UnitHour   = 2
	UnitMinute = 3
	UnitSecond = 4
)

// App is a verification-code application: how long a code stays valid and
// how many may be sent. As an input to Create or Update, ID and CreateTime
// are ignored.
type App struct {
	// ID is the appId the server assigned: letters and digits, not a number.
	ID   string
	Name string
	// CodeExpiry is in minutes, 1–60.
	CodeExpiry int
	// TotalLimit caps all sends in a period; PhoneLimit the sends to one
	// number. The zero value is a disabled limit.
	TotalLimit SendLimit
	PhoneLimit SendLimit
	// CreateTime is the server's, as given (ISO 8601 with an offset).
	CreateTime string
}

// SendLimit is one of an app's send caps. When Enabled is false the other
// fields mean nothing and are sent as null.
type SendLimit struct {
	Enabled bool
	Unit    int   // UnitDay … UnitSecond
	Period  int   // 1–90 units
	Limit   int64 // 1–10 000 000 000 sends: more than 32 bits
}

// normal returns the limit as the server stores it: a disabled limit has no
// values.
func (l SendLimit) normal() SendLimit {
	if !l.Enabled {
		return SendLimit{}
	}
	return l
}

// Matches reports whether the app holds exactly want's settings.
func (a App) Matches(want App) bool {
	return a.Name == want.Name && a.CodeExpiry == want.CodeExpiry &&
		a.TotalLimit.normal() == want.TotalLimit.normal() && a.PhoneLimit.normal() == want.PhoneLimit.normal()
}

// Apps is the app API: POST /app/add, PUT /app/update/{appId},
// GET /app/details/{appId}. There is no list of apps, so a lost create can
// only be settled by its retry, and an app can only be found by its id.
func (c *Client) Apps() Objects[App] { return Objects[App]{c: c, k: appKind} }

var appKind = &kind[App]{
	noun:       "app",
	path:       "/app",
	listable:   false,
	decode:     func(data json.RawMessage) (App, bool, error) { return decodeOne(data, "app", wireApp.app) },
	id:         func(a App) string { return a.ID },
	withID:     func(a App, id string) App { a.ID = id; return a },
	name:       func(a App) string { return a.Name },
	same:       App.Matches,
	complete:   func(a App) bool { return a.CreateTime != "" },
	createBody: func(a App) any { return newAppBody("", a) },
	updateBody: func(id string, a App) any { return newAppBody(id, a) },
}

// appBody is the body of a create, and with AppID of an update (a full
// replacement: every field is sent, since one left out may fall back to its
// default).
type appBody struct {
	AppID      string    `json:"appId,omitempty"`
	Name       string    `json:"name"`
	CodeExpiry int       `json:"codeExpiry"`
	Total      limitBody `json:"periodTotalSendLimit"`
	Phone      limitBody `json:"periodPhoneSendLimit"`
}

// limitBody spells a disabled limit the way the vendor's update sample does:
// enabled false and every value null.
type limitBody struct {
	Enabled bool   `json:"enabled"`
	Unit    *int   `json:"unit"`
	Period  *int   `json:"period"`
	Limit   *int64 `json:"limit"`
}

func newLimitBody(l SendLimit) limitBody {
	if !l.Enabled {
		return limitBody{}
	}
	return limitBody{Enabled: true, Unit: &l.Unit, Period: &l.Period, Limit: &l.Limit}
}

func newAppBody(id string, a App) appBody {
	return appBody{AppID: id, Name: a.Name, CodeExpiry: a.CodeExpiry, Total: newLimitBody(a.TotalLimit), Phone: newLimitBody(a.PhoneLimit)}
}

type wireLimit struct {
	Enabled flexBool `json:"enabled"`
	Unit    flexInt  `json:"unit"`
	Period  flexInt  `json:"period"`
	Limit   flexInt  `json:"limit"`
}

func (w *wireLimit) limit() SendLimit {
	if w == nil || !w.Enabled {
		return SendLimit{}
	}
	return SendLimit{Enabled: true, Unit: int(w.Unit), Period: int(w.Period), Limit: int64(w.Limit)}
}

type wireApp struct {
	ID         flexString `json:"appId"`
	Name       string     `json:"name"`
	CodeExpiry flexInt    `json:"codeExpiry"`
	Total      *wireLimit `json:"periodTotalSendLimit"`
	Phone      *wireLimit `json:"periodPhoneSendLimit"`
	CreateTime flexString `json:"createTime"`
}

func (w wireApp) app() (App, bool) {
	if w.ID == "" && w.Name == "" {
		return App{}, false
	}
	return App{
		ID: string(w.ID), Name: w.Name, CodeExpiry: int(w.CodeExpiry),
		TotalLimit: w.Total.limit(), PhoneLimit: w.Phone.limit(), CreateTime: string(w.CreateTime),
	}, true
}
