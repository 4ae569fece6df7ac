package engine

import "time"

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

// RecordAnswer is the data of GET /verification/record/{verificationId}:
// the latest attempt, under its channel's name (the others absent).
type RecordAnswer struct {
	VerificationID string              `json:"verificationId"`
	Verifications  recordVerifications `json:"verifications"`
	SMS            *smsRecord          `json:"sms,omitempty"`
	Call           *callRecord         `json:"call,omitempty"`
	SNA            []snaRecord         `json:"sna,omitempty"`
}

// OrderRecordAnswer is the data of POST /verification/orderId/record: the
// latest verification of the order, and every attempt of the order (its
// send, flow steps and resends), oldest first, by channel.
type OrderRecordAnswer struct {
	OrderID       string              `json:"orderId"`
	FlowID        *int64              `json:"flowId"`
	Verifications recordVerifications `json:"verifications"`
	SMS           []smsRecord         `json:"sms"`
	Call          []callRecord        `json:"call"`
	SNA           []snaRecord         `json:"sna"`
}

var unknownVerification = recordVerifications{Matched: MatchedUnknown}

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
		r.Matched = MatchedOK
	case v.Checked:
		r.Matched = MatchedWrong
	case v.last().outcome(now) == outcomeSending:
		r.Matched = matchedSending
	}
	return r
}

// Record answers for one verificationId; an unknown one is matched 3.
func (s *Service) Record(cfg Config, id string) (RecordAnswer, error) {
	var r RecordAnswer
	err := s.run(cfg, func(now time.Time) error {
		v := s.verifs[id]
		if v == nil {
			r = RecordAnswer{VerificationID: id, Verifications: unknownVerification}
			return nil
		}
		r = RecordAnswer{VerificationID: id, Verifications: v.recordState(now)}
		switch a := v.last(); a.Channel {
		case ChannelSMS:
			sms := a.sms(now)
			r.SMS = &sms
		case ChannelCall:
			c := a.call(now)
			r.Call = &c
		default:
			r.SNA = []snaRecord{s.snaRecord(a, now)}
		}
		return nil
	})
	return r, err
}

// OrderRecord answers for an orderId of an app; one the app has no
// verification under (never used, or forgotten) is matched 3 with empty
// lists. The app must exist (-22).
func (s *Service) OrderRecord(cfg Config, appID, orderID string) (OrderRecordAnswer, error) {
	var r OrderRecordAnswer
	err := s.run(cfg, func(now time.Time) error {
		if _, found := cfg.App(appID); !found {
			return refuse(CodeParameter, "appId %q does not exist in this account", appID)
		}
		r = OrderRecordAnswer{OrderID: orderID, Verifications: unknownVerification, SMS: []smsRecord{}, Call: []callRecord{}, SNA: []snaRecord{}}
		vs := s.orders[orderID]
		if len(vs) == 0 || vs[0].AppID != appID {
			return nil
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
			case ChannelSMS:
				sms := a.sms(now)
				sms.VerificationID = a.v.ID
				r.SMS = append(r.SMS, sms)
			case ChannelCall:
				c := a.call(now)
				c.VerificationID = a.v.ID
				r.Call = append(r.Call, c)
			default:
				sna := s.snaRecord(a, now)
				sna.VerificationID = a.v.ID
				r.SNA = append(r.SNA, sna)
			}
		}
		return nil
	})
	if err != nil {
		return OrderRecordAnswer{}, err
	}
	return r, nil
}

func (a *attempt) sms(now time.Time) smsRecord {
	r := smsRecord{
		SubmitTm: VendorTime(a.At), SendTm: VendorTime(a.At), DoneTm: vendorTimePtr(a.doneAt(now)),
		Sender: a.v.Sender, ChargeCnt: SMSParts(a.v.Text), Pay: "0",
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
		SubmitTime: VendorTime(a.At), CallTime: VendorTime(a.At), DisplayNum: a.v.Sender, BillPeriod: "60/60",
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

func (s *Service) snaRecord(a *attempt, now time.Time) snaRecord {
	r := snaRecord{SNAURL: s.snaURL(a.v), SubmitTime: VendorTime(a.At), Status: -1}
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
func callSeconds(code string, vc Voice) int {
	return min(vc.MaxDuration, 2+vc.RepeatCnt*len(code))
}
