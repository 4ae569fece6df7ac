package otp_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/itniotech/terraform-provider-otp/internal/otp"
	"github.com/itniotech/terraform-provider-otp/internal/sandbox"
)

// Benchmarks measure; they assert nothing about time. Run them with
//   go test -run '^$' -bench . ./internal/otp

func BenchmarkSign(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		_ = otp.Sign("bDqJFiq9", "7bz1lzh9", int64(1630468800+i))
	}
}

// BenchmarkListFlows reads an account of 200 flows through the sandbox and
// reports the requests each call costs (it must stay 1).
func BenchmarkListFlows(b *testing.B) {
	srv, err := sandbox.New(sandbox.Options{Accounts: map[string]string{"key": "secret"}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 200 {
		if _, err := srv.AddFlow("key", sandbox.Flow{Name: fmt.Sprintf("bench-%03d", i), Flow: []sandbox.Node{
			{WaitingTime: 60, Status: 1, Channel: "sms"}, {WaitingTime: 90, Status: 2, Channel: "call", ChannelCut: 1},
		}}); err != nil {
			b.Fatal(err)
		}
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, err := otp.New(otp.Config{BaseURL: hs.URL + "/otp", APIKey: "key", APISecret: "secret", RetryWaitMin: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	srv.ResetCounts()
	for b.Loop() {
		flows, err := c.Flows().List(context.Background())
		if err != nil || len(flows) != 200 {
			b.Fatalf("%d flows, %v", len(flows), err)
		}
	}
	b.ReportMetric(float64(srv.Total())/float64(b.N), "requests/op")
}

// BenchmarkCreateFlow creates flows through the sandbox, one request each.
func BenchmarkCreateFlow(b *testing.B) {
	srv, err := sandbox.New(sandbox.Options{Accounts: map[string]string{"key": "secret"}})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, err := otp.New(otp.Config{BaseURL: hs.URL + "/otp", APIKey: "key", APISecret: "secret"})
	if err != nil {
		b.Fatal(err)
	}
	nodes := []otp.Node{{WaitingTime: 60, Status: 1, Channel: "sms"}}
	for i := 0; b.Loop(); i++ {
		name := "bench-" + strings.Repeat("x", 4) + fmt.Sprint(i)
		if _, err := c.Flows().Create(context.Background(), otp.Flow{Name: name, Nodes: nodes}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(srv.Total())/float64(b.N), "requests/op")
}
