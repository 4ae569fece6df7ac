package engine

import "fmt"

// The vendor's status codes, as its global table has them. The whole
// table is here, not only the service's codes, so that the sandbox's
// answers have one place to take their reasons from.
const (
	CodeSuccess    = "0"
	CodeAuth       = "-1"
	CodeBalance    = "-10"
	CodeExpired    = "-16"
	CodeSystem     = "-18"
	CodeExisting   = "-20"
	CodeParameter  = "-22"
	CodeCaps       = "-23"
	CodeNotFound   = "-24"
	CodeFee        = "-26"
	CodeTotalLimit = "-27"
	CodePhoneLimit = "-28"
	CodeSensitive  = "-29"
)

var reasons = map[string]string{
	CodeSuccess:    "success",
	CodeAuth:       "authentication error",
	CodeBalance:    "balance insufficient",
	CodeExpired:    "timestamp expired",
	CodeSystem:     "port program unusual",
	CodeExisting:   "data existing",
	CodeParameter:  "parameter exception",
	CodeCaps:       "data caps",
	CodeNotFound:   "data unexisting",
	CodeFee:        "getting fee fail",
	CodeTotalLimit: "period total send limit",
	CodePhoneLimit: "period phone send limit",
	CodeSensitive:  "SMS content has sensitive words",
}

// Reason is the vendor's reason for a status code.
func Reason(code string) string { return reasons[code] }

// Refusal is a business error: the vendor answers it with its code, and
// the reason with the detail after it.
type Refusal struct {
	Code   string
	Detail string
}

func (r *Refusal) Error() string { return "sandbox: " + r.Detail }

func refuse(code, format string, a ...any) *Refusal {
	return &Refusal{Code: code, Detail: fmt.Sprintf(format, a...)}
}

// Channels of an attempt.
const (
	ChannelSMS  = "sms"
	ChannelCall = "call"
	ChannelSNA  = "sna"
)

// Channels are the channels a send may name.
var Channels = []string{ChannelSMS, ChannelCall, ChannelSNA}

// Values of matched, as the vendor documents them.
const (
	matchedUnchecked = -1 // records only
	MatchedOK        = 0
	matchedSending   = 1 // records only
	MatchedWrong     = 2
	MatchedUnknown   = 3
	MatchedUsed      = 4
	MatchedExpired   = 5
)

// How a verification came about, as the messages say.
const (
	viaSend     = "send"
	viaSendRule = "sendRule"
	viaResend   = "resend"
	viaFlow     = "flow"
)
