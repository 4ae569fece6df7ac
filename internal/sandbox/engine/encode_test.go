package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The hand-written encoding of a verification is encoding/json's, byte for
// byte, for verifications of every shape: every optional field set or
// not, texts that need escaping, times with and without a fraction.
func TestAVerificationEncodesAsEncodingJSONWould(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11)) //nolint:gosec // repeatable shapes
	texts := []string{"", "123456 is your code", `quote " backslash \ <b>&</b>`, "café 码 😀", "line\nbreak\ttab", "\u2028\x01", string([]byte{0xff, 'a'})}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	pick := func(ss []string) string { return ss[rng.IntN(len(ss))] }
	for i := range 2000 {
		when := func() time.Time {
			if rng.IntN(4) == 0 {
				return time.Time{}
			}
			return at.Add(time.Duration(rng.Int64N(int64(48 * time.Hour))))
		}
		v := &verification{
			ID: fmt.Sprintf("2260301200000%07d", i), Seq: rng.Int64N(1 << 40), Via: pick([]string{"send", "sendRule", "resend"}),
			AppID: pick(texts), TemplateID: rng.Int64N(3) * 20001, FlowID: rng.Int64N(2) * 10001, To: "4915100000001",
			OrderID: pick(texts), Code: pick(texts), Text: pick(texts),
			Voice:  Voice{Language: pick([]string{"EN", "CN", ""}), SpeechRate: rng.IntN(101), RepeatCnt: rng.IntN(11), MaxDuration: rng.IntN(600)},
			Sender: pick(texts), LegacySNAURL: pick([]string{"", "http://host/sna/x"}), SNAToken: pick([]string{"", "abc123"}),
			Created: when(), ExpiresAt: when(), Next: rng.IntN(3), NextAt: when(), Checked: rng.IntN(2) == 0,
			VerifiedAt: when(), SupersededBy: pick([]string{"", "22603012000000000002"}), ResendOf: pick([]string{"", "x"}),
		}
		for range rng.IntN(3) {
			v.Nodes = append(v.Nodes, Node{WaitingTime: rng.IntN(121), Status: rng.IntN(3), Channel: pick(texts), ChannelCut: rng.IntN(2)})
		}
		if rng.IntN(10) > 0 {
			v.Attempts = []*attempt{}
			for range rng.IntN(4) {
				v.Attempts = append(v.Attempts, &attempt{Seq: rng.Int64N(1000), Step: rng.IntN(3), Channel: pick(texts), At: when(),
					Failed: rng.IntN(2) == 0, Delay: time.Duration(rng.Int64N(3)) * time.Second, Hidden: rng.IntN(2) == 0})
			}
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendVerification(nil, v); string(got) != string(want) {
			t.Fatalf("encoded\n%s\nwant\n%s", got, want)
		}
	}
}
