package otp

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestSignVendorExample(t *testing.T) {
	// The worked example from the vendor's documentation.
	got := Sign("bDqJFiq9", "7bz1lzh9", 1630468800)
	if want := "05d7a50893e22a5c4bb3216ae3396c7c"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestSignIsLowerHexAndVariesWithEachInput(t *testing.T) {
	base := Sign("k", "s", 1)
	if base != strings.ToLower(base) || len(base) != 32 {
		t.Fatalf("signature %q is not 32 lower-case hex digits", base)
	}
	for _, other := range []string{Sign("k2", "s", 1), Sign("k", "s2", 1), Sign("k", "s", 2)} {
		if other == base {
			t.Fatalf("changing an input did not change the signature")
		}
	}
}

// TestCredentialsNeverPrint: neither the secret nor the API key (sensitive
// in the provider's schema too) shows in any print of a client or config.
func TestCredentialsNeverPrint(t *testing.T) {
	const secret, key = "hunter2-very-secret", "bDqJFiq9-key"
	cfg := Config{APIKey: key, APISecret: Secret(secret), BaseURL: "http://127.0.0.1:1/otp"}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(struct{ S Secret }{cfg.APISecret})
	prints := []string{
		fmt.Sprintf("%v %+v %#v %s %q %x %X", cfg, cfg, cfg, cfg, cfg, cfg, cfg),
		fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c, c, c),
		fmt.Sprintf("%v %+v %#v %s %q %x", struct{ C *Client }{c}, &cfg, cfg.APISecret, cfg.APISecret, cfg.APISecret, cfg.APISecret),
		string(j),
	}
	for _, p := range prints {
		if strings.Contains(p, secret) || strings.Contains(p, fmt.Sprintf("%x", secret)) {
			t.Fatalf("secret leaked: %s", p)
		}
		if strings.Contains(p, key) || strings.Contains(p, fmt.Sprintf("%x", key)) {
			t.Fatalf("API key leaked: %s", p)
		}
	}
	if cfg.APISecret.Reveal() != secret {
		t.Fatal("Reveal must return the secret")
	}
}
