package sandbox

import (
	"fmt"
	"testing"

	"github.com/itniotech/terraform-provider-otp/internal/sandbox/engine"
)

// BenchmarkCompaction is a compaction of an account of 10,000
// verifications: what the other accounts share the machine with while it
// runs (make bench-sandbox's isolation rows measure that). Run it with
// go test -bench Compaction -cpuprofile to see where the time goes.
func BenchmarkCompaction(b *testing.B) {
	srv, err := New(Options{Accounts: map[string]string{key: secret}, StateFile: b.TempDir() + "/state.json"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	app, _ := srv.AddApp(key, App{Name: "bench-app"})
	tpl, _ := srv.AddTemplate(key, Template{AppID: app.AppID, Name: "bench-sms", Text: "##code## is your code.", CodeLength: 6, SpeechRate: 50})
	a := srv.lookup(key)
	for i := range 10000 {
		a.mu.Lock()
		_, err := a.svc.Send(a.config(), engine.SendRequest{AppID: app.AppID, TemplateID: tpl.TemplateID, To: fmt.Sprintf("4915%09d", i), Channel: "sms"})
		a.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := srv.compactNow(); err != nil {
			b.Fatal(err)
		}
	}
}
