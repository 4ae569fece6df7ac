package engine

import (
	"encoding/json"
	"strconv"
	"time"
)

// How a verification is written to the state file: by hand, field for
// field, as encoding/json writes the struct (a test holds the two to each
// other, byte for byte). Every change of a verification writes it whole,
// and a compaction writes 10,000 of them while the other accounts go on:
// through reflection, encoding was 60 % of a compaction's time (profiled).

func appendVerification(b []byte, v *verification) []byte {
	b = append(b, `{"verificationId":`...)
	b = appendString(b, v.ID)
	b = appendIntField(b, "seq", v.Seq)
	b = appendStringField(b, "via", v.Via)
	b = appendStringField(b, "appId", v.AppID)
	if v.TemplateID != 0 {
		b = appendIntField(b, "templateId", v.TemplateID)
	}
	if v.FlowID != 0 {
		b = appendIntField(b, "flowId", v.FlowID)
	}
	b = appendStringField(b, "to", v.To)
	if v.OrderID != "" {
		b = appendStringField(b, "orderId", v.OrderID)
	}
	b = appendStringField(b, "code", v.Code)
	b = appendStringField(b, "text", v.Text)
	b = append(b, `,"voice":{"language":`...)
	b = appendString(b, v.Voice.Language)
	b = appendIntField(b, "speechRate", int64(v.Voice.SpeechRate))
	b = appendIntField(b, "repeatCnt", int64(v.Voice.RepeatCnt))
	b = appendIntField(b, "maxDuration", int64(v.Voice.MaxDuration))
	b = append(b, '}')
	for _, f := range []struct{ name, value string }{{"sender", v.Sender}, {"snaUrl", v.LegacySNAURL}, {"snaToken", v.SNAToken}} {
		if f.value != "" {
			b = appendStringField(b, f.name, f.value)
		}
	}
	b = appendTimeField(b, "created", v.Created)
	b = appendTimeField(b, "expiresAt", v.ExpiresAt)
	if len(v.Nodes) > 0 {
		b = append(b, `,"nodes":[`...)
		for i, n := range v.Nodes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"waitingTime":`...)
			b = strconv.AppendInt(b, int64(n.WaitingTime), 10)
			b = appendIntField(b, "status", int64(n.Status))
			b = appendStringField(b, "channel", n.Channel)
			b = appendIntField(b, "channelCut", int64(n.ChannelCut))
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendIntField(b, "next", int64(v.Next))
	if !v.NextAt.IsZero() {
		b = appendTimeField(b, "nextAt", v.NextAt)
	}
	if v.Checked {
		b = append(b, `,"checked":true`...)
	}
	if !v.VerifiedAt.IsZero() {
		b = appendTimeField(b, "verifiedAt", v.VerifiedAt)
	}
	if v.SupersededBy != "" {
		b = appendStringField(b, "supersededBy", v.SupersededBy)
	}
	if v.ResendOf != "" {
		b = appendStringField(b, "resendOf", v.ResendOf)
	}
	b = append(b, `,"attempts":`...)
	if v.Attempts == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, a := range v.Attempts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"seq":`...)
			b = strconv.AppendInt(b, a.Seq, 10)
			b = appendIntField(b, "step", int64(a.Step))
			b = appendStringField(b, "channel", a.Channel)
			b = appendTimeField(b, "at", a.At)
			if a.Failed {
				b = append(b, `,"failed":true`...)
			}
			if a.Delay != 0 {
				b = appendIntField(b, "delay", int64(a.Delay))
			}
			if a.Hidden {
				b = append(b, `,"hidden":true`...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendIntField(b []byte, name string, n int64) []byte {
	b = append(append(append(b, ',', '"'), name...), '"', ':')
	return strconv.AppendInt(b, n, 10)
}

func appendStringField(b []byte, name, s string) []byte {
	b = append(append(append(b, ',', '"'), name...), '"', ':')
	return appendString(b, s)
}

// appendTimeField writes a time as time.Time's MarshalJSON does.
func appendTimeField(b []byte, name string, t time.Time) []byte {
	b = append(append(append(b, ',', '"'), name...), '"', ':', '"')
	return append(t.AppendFormat(b, time.RFC3339Nano), '"')
}

// appendString writes s as encoding/json does: what needs escaping goes
// through it, the plain ASCII that codes, ids and most texts are is
// written as it is.
func appendString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}
