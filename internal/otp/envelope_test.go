package otp

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeEnvelope(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string // "" for success
		wantHTTP bool   // an *HTTPError
		wantData string
		snippet  string
	}{
		{name: "string status", status: 200, body: `{"status":"0","reason":"success","data":{"flowId":1}}`, wantData: `{"flowId":1}`},
		{name: "number status", status: 200, body: `{"status":0,"reason":"success","data":[]}`, wantData: `[]`},
		{name: "padded string status", status: 200, body: `{"status":" 0 ","reason":"ok"}`},
		{name: "missing data", status: 200, body: `{"status":"0","reason":"success"}`},
		{name: "error as HTTP 200", status: 200, body: `{"status":"-24","reason":"Data unexisting"}`, wantCode: "-24"},
		{name: "negative number status", status: 200, body: `{"status":-1,"reason":"auth"}`, wantCode: "-1"},
		{name: "error envelope under 500", status: 500, body: `{"status":"-18","reason":"port program unusual"}`, wantCode: "-18"},
		{name: "success envelope under 502", status: 502, body: `{"status":"0"}`, wantHTTP: true},
		{name: "HTML page", status: 502, body: "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>", wantHTTP: true, snippet: "<html> <head><title>502 Bad Gateway</title></head> </html>"},
		{name: "HTML under 200", status: 200, body: "<html>maintenance</html>", wantHTTP: true},
		{name: "truncated JSON", status: 200, body: `{"status":"0","reason":"succ`, wantHTTP: true},
		{name: "empty body", status: 200, body: ``, wantHTTP: true},
		{name: "no status", status: 200, body: `{"reason":"x"}`, wantHTTP: true},
		{name: "null status", status: 200, body: `{"status":null}`, wantHTTP: true},
		{name: "array body", status: 200, body: `[1,2]`, wantHTTP: true},
		{name: "binary body", status: 503, body: "\x00\xff\xfe\x01 down", wantHTTP: true, snippet: "???? down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := decodeEnvelope("test op", tt.status, []byte(tt.body))
			var apiErr *APIError
			var httpErr *HTTPError
			switch {
			case tt.wantHTTP:
				if !errors.As(err, &httpErr) {
					t.Fatalf("want *HTTPError, got %v", err)
				}
				if httpErr.StatusCode != tt.status {
					t.Fatalf("HTTP status = %d, want %d", httpErr.StatusCode, tt.status)
				}
				if tt.snippet != "" && httpErr.Snippet != tt.snippet {
					t.Fatalf("snippet = %q, want %q", httpErr.Snippet, tt.snippet)
				}
			case tt.wantCode != "":
				if !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode {
					t.Fatalf("want APIError %s, got %v", tt.wantCode, err)
				}
				if !strings.Contains(err.Error(), "test op") {
					t.Fatalf("error %q does not name the operation", err)
				}
			default:
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if string(env.Data) != tt.wantData {
					t.Fatalf("data = %s, want %s", env.Data, tt.wantData)
				}
			}
		})
	}
}

func TestSnippetIsShortAndPrintable(t *testing.T) {
	long := strings.Repeat("<p>maintenance</p>\n\t", 100)
	s := snippet([]byte(long))
	if utf8.RuneCountInString(s) > snippetLimit+1 || !strings.HasSuffix(s, "…") {
		t.Fatalf("snippet not cut: %d runes", utf8.RuneCountInString(s))
	}
	if strings.ContainsAny(s, "\n\t") {
		t.Fatalf("snippet keeps control characters: %q", s)
	}
}

// FuzzDecodeEnvelope feeds arbitrary answers to the decoder: it must never
// panic, must return either an envelope or an error, and its error text must
// stay short and printable whatever the body held.
func FuzzDecodeEnvelope(f *testing.F) {
	seeds := []string{
		`{"status":"0","reason":"success","data":{"flowId":10001,"name":"abcd","flow":[{"waitingTime":30,"status":1,"channel":"sms","channelCut":0}]}}`,
		`{"status":0,"data":[{"flowId":"1"}]}`,
		`{"status":"-24","reason":"Data unexisting"}`,
		`{"status":1e3}`,
		`<html>502</html>`,
		`{"status":"0","data":`,
		"\xff\xfe",
		``,
	}
	for _, s := range seeds {
		f.Add(200, []byte(s))
		f.Add(502, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		env, err := decodeEnvelope("op", status, body)
		if err == nil {
			if env.Status != CodeSuccess {
				t.Fatalf("success with status %q", env.Status)
			}
			decodeEveryKind(t, env.Data)
			return
		}
		msg := err.Error()
		if !utf8.ValidString(msg) {
			t.Fatalf("error text is not UTF-8: %q", msg)
		}
		var httpErr *HTTPError
		if errors.As(err, &httpErr) && utf8.RuneCountInString(httpErr.Snippet) > snippetLimit+1 {
			t.Fatalf("snippet too long: %d", len(httpErr.Snippet))
		}
	})
}
