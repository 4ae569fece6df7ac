package sandbox

import (
	"time"
	"unicode/utf16"
)

// The records of a verification and of an order, in the vendor's field
// names. A field the vendor documents is always present; when it has no
// value yet (a time not come, an order that names no flow) it is null.

// recordVerifications is the "verifications" object of the records.
// matched there is the verification's state: 0 checked successfully, 2 a
// check failed and none succeeded yet, 1 not checked and the last attempt
// still sending, -1 not checked, 3 no such verificationId.
type recordVerifications struct {
	Matched      int     `json:"matched"`
	VerifiedDate *string `json:"verifiedDate"`
	OriReceiver  *string `json:"oriReceiver"`
	Channel      *string `json:"channel"`
	OrderID      *string `json:"orderId"`
}

// smsRecord is an SMS attempt. status: -1 sending, 0 delivered, 1 failed.
type smsRecord struct {
	VerificationID string  `json:"verificationId,omitempty"` // in order records, where attempts of several ids meet
	SubmitTm       string  `json:"submitTm"`
	SendTm         string  `json:"sendTm"`
	DoneTm         *string `json:"doneTm"`
	MCC            int     `json:"mcc"`
	MNC            int     `json:"mnc"`
	Sender         string  `json:"sender"`
	ChargeCnt      int     `json:"chargeCnt"`
	Pay            string  `json:"pay"`
	Status         int     `json:"status"`
	Reason         string  `json:"reason"`
}

// callRecord is a call attempt. terminationCode: 0 answered, 1 not
// answered, -1 still calling.
type callRecord struct {
	VerificationID    string  `json:"verificationId,omitempty"`
	TerminationCode   int     `json:"terminationCode"`
	TerminationReason string  `json:"terminationReason"`
	SubmitTime        string  `json:"submitTime"`
	CallTime          string  `json:"callTime"`
	RingingTime       *string `json:"ringingTime"`
	AnswerTime        *string `json:"answerTime"`
	HangupTime        *string `json:"hangupTime"`
	CallDuration      int     `json:"callDuration"`
	ChargedDuration   int     `json:"chargedDuration"`
	DisplayNum        string  `json:"displayNum"`
	BillPeriod        string  `json:"billPeriodstring"` // sic, as the vendor spells it
	Code              string  `json:"code"`
	Rate              string  `json:"rate"`
	Cost              string  `json:"cost"`
}

// snaRecord is an sna attempt (the vendor documents no fields): its URL,
// and status -1 waiting to be fetched, 0 fetched (verified), 1 expired.
type snaRecord struct {
	VerificationID string  `json:"verificationId,omitempty"`
	SNAURL         string  `json:"snaUrl"`
	SubmitTime     string  `json:"submitTime"`
	DoneTime       *string `json:"doneTime"`
	Status         int     `json:"status"`
}

// recordAnswer is the data of GET /verification/record/{verificationId}:
// the latest attempt, under its channel's name (the others absent).
type recordAnswer struct {
	VerificationID string              `json:"verificationId"`
	Verifications  recordVerifications `json:"verifications"`
	SMS            *smsRecord          `json:"sms,omitempty"`
	Call           *callRecord         `json:"call,omitempty"`
	SNA            []snaRecord         `json:"sna,omitempty"`
}

// orderRecordAnswer is the data of POST /verification/orderId/record: the
// latest verification of the order, and every attempt of the order (its
// send, flow steps and resends), oldest first, by channel.
type orderRecordAnswer struct {
	OrderID       string              `json:"orderId"`
	FlowID        *int64              `json:"flowId"`
	Verifications recordVerifications `json:"verifications"`
	SMS           []smsRecord         `json:"sms"`
	Call          []callRecord        `json:"call"`
	SNA           []snaRecord         `json:"sna"`
}

var unknownVerification = recordVerifications{Matched: matchedUnknown}

func (v *verification) recordState(now time.Time) recordVerifications {
	r := recordVerifications{Matched: matchedUnchecked, VerifiedDate: vendorTimePtr(v.VerifiedAt)}
	to, channel := v.To, v.last().Channel
	r.OriReceiver, r.Channel = &to, &channel
	if v.OrderID != "" {
		order := v.OrderID
		r.OrderID = &order
	}
	switch {
	case v.verified():
		r.Matched = matchedOK
	case v.Checked:
		r.Matched = matchedWrong
	case v.last().outcome(now) == outcomeSending:
		r.Matched = matchedSending
	}
	return r
}

// record answers for one verificationId; an unknown one is matched 3.
func (sv *service) record(cfg serviceConfig, id string) recordAnswer {
	now := sv.tick(cfg)
	v := sv.verifs[id]
	if v == nil {
		return recordAnswer{VerificationID: id, Verifications: unknownVerification}
	}
	r := recordAnswer{VerificationID: id, Verifications: v.recordState(now)}
	switch a := v.last(); a.Channel {
	case channelSMS:
		s := a.sms(now)
		r.SMS = &s
	case channelCall:
		c := a.call(now)
		r.Call = &c
	default:
		r.SNA = []snaRecord{a.sna(now)}
	}
	return r
}

// orderRecord answers for an orderId of an app; one the app has no
// verification under (never used, or forgotten) is matched 3 with empty
// lists. The app must exist (-22).
func (sv *service) orderRecord(cfg serviceConfig, appID, orderID string) (orderRecordAnswer, error) {
	now := sv.tick(cfg)
	if _, found := cfg.app(appID); !found {
		return orderRecordAnswer{}, refuse(codeParameter, "appId %q does not exist in this account", appID)
	}
	r := orderRecordAnswer{OrderID: orderID, Verifications: unknownVerification, SMS: []smsRecord{}, Call: []callRecord{}, SNA: []snaRecord{}}
	vs := sv.orders[orderID]
	if len(vs) == 0 || vs[0].AppID != appID {
		return r, nil
	}
	if id := vs[0].FlowID; id != 0 {
		r.FlowID = &id
	}
	r.Verifications = vs[len(vs)-1].recordState(now)
	var all []*attempt
	for _, v := range vs {
		all = append(all, v.Attempts...)
	}
	sortAttempts(all)
	for _, a := range all {
		switch a.Channel {
		case channelSMS:
			s := a.sms(now)
			s.VerificationID = a.v.ID
			r.SMS = append(r.SMS, s)
		case channelCall:
			c := a.call(now)
			c.VerificationID = a.v.ID
			r.Call = append(r.Call, c)
		default:
			s := a.sna(now)
			s.VerificationID = a.v.ID
			r.SNA = append(r.SNA, s)
		}
	}
	return r, nil
}

func (a *attempt) sms(now time.Time) smsRecord {
	r := smsRecord{
		SubmitTm: vendorTime(a.At), SendTm: vendorTime(a.At), DoneTm: vendorTimePtr(a.doneAt(now)),
		Sender: a.v.Sender, ChargeCnt: smsParts(a.v.Text), Pay: "0",
	}
	switch a.outcome(now) {
	case outcomeSending:
		r.Status = -1
	case outcomeFailed:
		r.Status, r.Reason = 1, "not delivered: the sandbox's phone network fails SMS to "+a.v.To
	}
	return r
}

func (a *attempt) call(now time.Time) callRecord {
	r := callRecord{
		SubmitTime: vendorTime(a.At), CallTime: vendorTime(a.At), DisplayNum: a.v.Sender, BillPeriod: "60/60",
		Code: a.v.Code, Rate: "0", Cost: "0",
	}
	done := a.doneAt(now)
	switch a.outcome(now) {
	case outcomeSending:
		r.TerminationCode, r.TerminationReason = -1, "calling"
	case outcomeFailed:
		r.TerminationCode, r.TerminationReason = 1, "no answer"
		r.RingingTime, r.HangupTime = vendorTimePtr(done), vendorTimePtr(done)
	default:
		r.TerminationReason = "answered"
		r.CallDuration = callSeconds(a.v.Code, a.v.Voice)
		r.ChargedDuration = (r.CallDuration + 59) / 60 * 60
		r.RingingTime, r.AnswerTime = vendorTimePtr(done), vendorTimePtr(done)
		r.HangupTime = vendorTimePtr(done.Add(time.Duration(r.CallDuration) * time.Second))
	}
	return r
}

func (a *attempt) sna(now time.Time) snaRecord {
	r := snaRecord{SNAURL: a.v.SNAURL, SubmitTime: vendorTime(a.At), Status: -1}
	switch {
	case a.v.verified():
		r.Status, r.DoneTime = 0, vendorTimePtr(a.v.VerifiedAt)
	case a.v.expired(now):
		r.Status = 1
	}
	return r
}

// callSeconds is how long a call that plays the code takes, in the
// sandbox's reading: two seconds of greeting, then a second per character
// of the code for each repetition, at most maxDuration.
func callSeconds(code string, vc voice) int {
	return min(vc.MaxDuration, 2+vc.RepeatCnt*len(code))
}

// smsParts is how many SMS a text takes: 160 characters in one (153 each
// when split) in the GSM alphabet, taken here as printable ASCII; else 70
// UTF-16 units (67 each when split).
func smsParts(text string) int {
	single, part, n := 160, 153, 0
	for _, r := range text {
		if r < 0x20 && r != '\n' && r != '\r' || r > 0x7e {
			single, part = 70, 67
			break
		}
	}
	if single == 70 {
		n = len(utf16.Encode([]rune(text)))
	} else {
		n = len(text)
	}
	if n <= single {
		return 1
	}
	return (n + part - 1) / part
}
