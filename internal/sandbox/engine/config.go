package engine

import (
	"fmt"
	"time"
)

// Config is what the service reads of its account's configuration, as it
// is at the moment of the call: a send reads the app, the template and the
// flow it names, a flow step the app again. The account implements it over
// its objects.
type Config interface {
	App(id string) (App, bool)
	Template(id int64) (Template, bool)
	Flow(id int64) ([]Node, bool)
}

// App is what a send reads of an app.
type App struct {
	ID         string
	CodeExpiry time.Duration
	// TotalLimit caps the app's sends (-27), PhoneLimit its sends to one
	// number (-28).
	TotalLimit, PhoneLimit Limit
}

// Limit is an app's send limit in the vendor's terms: at most Max sends in
// Period × Unit (1 day, 2 hour, 3 minute, 4 second).
type Limit struct {
	Enabled      bool
	Unit, Period int
	Max          int64
}

// unitLengths are the vendor's period units: 1 day, 2 hour, 3 minute, 4 second.
var unitLengths = map[int]time.Duration{1: 24 * time.Hour, 2: time.Hour, 3: time.Minute, 4: time.Second}

var unitNames = map[int]string{1: "day", 2: "hour", 3: "minute", 4: "second"}

// span is a limit's period, and how it reads in a reason ("1 hour").
func (l Limit) span() (time.Duration, string) {
	name := unitNames[l.Unit]
	if l.Period != 1 {
		name += "s"
	}
	return time.Duration(l.Period) * unitLengths[l.Unit], fmt.Sprintf("%d %s", l.Period, name)
}

// longestPeriod is the longest period a limit can have (90 days): a send
// read back from the state file counts for that long, until a check with
// the app's limit as it is then says otherwise.
const longestPeriod = 90 * 24 * time.Hour

// Template is what a send reads of a template.
type Template struct {
	ID    int64
	AppID string
	// Text is the SMS, with ##code## where the code goes.
	Text       string
	CodeType   int // 1 numeric, 2 alpha, 3 alphanumeric, 4 hex
	CodeLength int
	Voice      Voice
	Sender     string
}

// Voice is how a call reads the code: the template's voice settings.
type Voice struct {
	Language    string `json:"language"`
	SpeechRate  int    `json:"speechRate"`
	RepeatCnt   int    `json:"repeatCnt"`
	MaxDuration int    `json:"maxDuration"`
}

// DefaultVoice is the voice of a sendRule that names no template: the
// vendor's defaults for a template.
var DefaultVoice = Voice{Language: "EN", SpeechRate: 50, RepeatCnt: 1, MaxDuration: 59}

// Node is one step of a task flow, in the API's field names.
type Node struct {
	WaitingTime int    `json:"waitingTime"`
	Status      int    `json:"status"`
	Channel     string `json:"channel"`
	ChannelCut  int    `json:"channelCut"`
}

// CodePlaceholder is where a template's text takes the code.
const CodePlaceholder = "##code##"

// defaultText is the SMS of a sendRule that names no template.
const defaultText = "Your verification code is " + CodePlaceholder + "."

// DefaultText is defaultText, for the reference.
const DefaultText = defaultText

// SendRequest is a send, or a sendRule when Rule is set, read from its body.
type SendRequest struct {
	Rule       bool
	AppID      string
	TemplateID int64 // 0: none (a sendRule only)
	FlowID     int64 // 0: none
	To         string
	Channel    string
	OrderID    string
	Code       string // a sendRule's: the caller's
}

// Settings are the account's settings of what the vendor decides about
// money and content.
type Settings struct {
	// InsufficientBalance makes every send answer -10.
	InsufficientBalance bool `json:"insufficientBalance"`
	// FeeFailure makes every send answer -26 ("getting fee fail").
	FeeFailure bool `json:"feeFailure"`
	// SensitiveWords make a send whose text contains one (in any case)
	// answer -29.
	SensitiveWords []string `json:"sensitiveWords"`
}
